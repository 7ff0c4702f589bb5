import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StepQueue } from '../../src/queue/bullmq-driver.ts';
import { stepJobId } from '../../src/queue/job-schema.ts';
import { buildStepJob } from '../../src/engine/step-job.ts';
import { parseScenario } from '../../src/scenario/scenario-loader.ts';
import { REDIS_URL, runCli, startCli, TempRun, type RunningCli } from '../support/temp-run.ts';

/** `asp listen` started by hand: help, identity from the persona table, a quiet stop. */
let temp: TempRun;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  temp?.cleanup();
});

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** JSON log lines of a listener (stderr). */
function logLines(cli: RunningCli): Array<{ level: number; msg: string }> {
  return cli.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}

describe('asp listen', () => {
  it('every command answers --help with exit 0', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}(\S+) +/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['simulate', 'listen', 'probe', 'admin', 'replay', 'regress', 'load', 'bench', 'experiment']));
    for (const command of commands) {
      const help = await runCli([command, '--help']);
      expect(help.code, `${command} --help: ${help.stderr}`).toBe(0);
      expect(help.stdout, command).toMatch(/usage: asp /);
    }
  });

  it('commits as the persona whatever the host git identity, and stops quietly when asked (exit 0)', async () => {
    temp = new TempRun();
    const prefix = `asp-test-${randomUUID()}`;
    // The host's identity, which a hand-started listener must not use.
    const hostHome = join(temp.dir, 'host-home');
    mkdirSync(hostHome);
    writeFileSync(join(hostHome, '.gitconfig'), '[user]\n\tname = Host User\n\temail = host@example.org\n');
    const listener = startCli(['listen', '--persona', 'jordan'], {
      HOME: hostHome,
      GIT_AUTHOR_NAME: 'Host User',
      GIT_AUTHOR_EMAIL: 'host@example.org',
      GIT_COMMITTER_NAME: 'Host User',
      GIT_COMMITTER_EMAIL: 'host@example.org',
      ASP_USER_ID: 'host@example.org',
      ASP_REDIS_URL: REDIS_URL,
      ASP_QUEUE_PREFIX: prefix,
      ASP_WORKSPACE_ROOT: temp.workspacesDir,
    });
    cleanups.push(async () => {
      if (listener.child.exitCode === null) listener.child.kill('SIGKILL');
    });
    await until(() => logLines(listener).some((l) => l.msg === 'listener ready'), 'the listener to be ready');

    const queue = new StepQueue({ redisUrl: REDIS_URL, prefix, persona: 'jordan' }, { onCompleted: () => undefined, onFailed: () => undefined });
    await queue.ready();
    cleanups.push(async () => {
      await queue.obliterate();
      await queue.close();
    });
    const scenario = parseScenario('name: t\nseed: 5\nworkspace: git\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 50 }]\n').scenario;
    const job = buildStepJob({ runId: 'r-identity', scenario, workspaceMode: 'git' }, { step: 'define', taskId: 'a', round: 0, title: 'A', requirements: ['R1'] });
    const jobId = stepJobId('r-identity', 'a', 'define', 0);
    await queue.add(job, { jobId, attempts: 1, backoffMs: 10 });
    let outcome: Awaited<ReturnType<StepQueue['outcome']>>;
    await until(async () => {
      outcome = await queue.outcome(jobId);
      return outcome?.state === 'completed' || outcome?.state === 'failed';
    }, 'the define step');
    expect(outcome!, JSON.stringify(outcome!)).toMatchObject({ state: 'completed', returnValue: { meta: { persona: 'jordan', userId: 'jordan@example.com' } } });
    const log = execFileSync('git', ['-C', join(temp.workspacesDir, 'r-identity', 'a'), 'log', '--format=%an <%ae>|%cn <%ce>'], { encoding: 'utf8' }).trim();
    expect(log).toBe('Jordan PM <jordan@example.com>|Jordan PM <jordan@example.com>');

    listener.child.kill('SIGTERM');
    const end = await listener.result;
    expect(end.code, end.stderr).toBe(0);
    const lines = logLines(listener);
    expect(
      lines.filter((l) => l.level >= 40),
      'no warnings or errors on a clean stop',
    ).toEqual([]);
    expect(end.stderr).not.toMatch(/abandon/);
    expect(lines.map((l) => l.msg)).toContain('listener stopped');
  });
});
