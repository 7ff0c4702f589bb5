import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareRunWorkspace } from '../../src/runtime/docker-listener-spec.ts';
import { reclaimRunWorkspace } from '../../src/runtime/workspace-ownership.ts';
import { TempRun } from '../support/temp-run.ts';

/**
 * The docker runtime, run as root, used to chown the whole workspaces/ folder
 * (earlier runs too) to the container user, after which the host's
 * `git -C workspaces/<run>/task-a log` failed with "dubious ownership". Real
 * files, real git, a real process under uid 1000.
 */
let temp: TempRun | undefined;
afterEach(() => {
  temp?.cleanup();
  temp = undefined;
});

const root = process.getuid?.() === 0;
const gitEnv = (home: string) => ({ ...process.env, HOME: home, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' });

function commitIn(dir: string, home: string, uid?: number): void {
  mkdirSync(home, { recursive: true });
  if (uid !== undefined) execFileSync('chown', [String(uid), home]);
  const run = (args: string[]) => {
    const r = spawnSync('git', args, { cwd: dir, env: gitEnv(home), encoding: 'utf8', ...(uid === undefined ? {} : { uid, gid: uid }) });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  run(['init', '-q', '-b', 'main']);
  writeFileSync(join(dir, 'README.md'), 'x\n');
  if (uid !== undefined) execFileSync('chown', [`${uid}:${uid}`, join(dir, 'README.md')]);
  run(['add', '-A']);
  run(['commit', '-q', '-m', 'first']);
}

/** `git log` as this process's user, without any safe.directory. */
function hostLog(repo: string, home: string): { ok: boolean; out: string } {
  const r = spawnSync('git', ['-C', repo, 'log', '--format=%s'], { env: gitEnv(home), encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe.runIf(root)('docker runtime workspace ownership (as root)', () => {
  it("hands only the run's own folder to the container user and gives it back at the end; earlier runs keep their owner", () => {
    temp = new TempRun();
    chmodSync(temp.dir, 0o711);
    const home = join(temp.dir, 'home-root');
    const earlier = join(temp.workspacesDir, 'run-earlier', 'task-a');
    mkdirSync(earlier, { recursive: true });
    commitIn(earlier, home);
    return (async () => {
      await prepareRunWorkspace(temp!.workspacesDir, 'run-new', '1000:1000');
      expect(statSync(join(temp!.workspacesDir, 'run-new')).uid).toBe(1000);
      expect(statSync(join(earlier, 'README.md')).uid).toBe(0);
      expect(statSync(temp!.workspacesDir).uid).toBe(0);
      expect(hostLog(earlier, home)).toEqual({ ok: true, out: 'first\n' });

      // What a container does: commit as uid 1000 in the run's folder.
      const repo = join(temp!.workspacesDir, 'run-new', 'task-a');
      mkdirSync(repo);
      execFileSync('chown', ['1000:1000', repo]);
      commitIn(repo, join(temp!.dir, 'home-1000'), 1000);
      expect(hostLog(repo, home).out).toMatch(/dubious ownership/);

      await reclaimRunWorkspace(temp!.workspacesDir, 'run-new');
      expect(hostLog(repo, home)).toEqual({ ok: true, out: 'first\n' });
      expect(statSync(join(repo, 'README.md')).uid).toBe(0);
    })();
  });
});
