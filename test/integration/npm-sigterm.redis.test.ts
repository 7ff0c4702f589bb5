import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pacedScenario, processesWith, readDb, referenceRun, runWithSteps, until } from '../support/fault-helpers.ts';
import { lastJson, REDIS_URL, REPO, runCli, TempRun } from '../support/temp-run.ts';

/**
 * SIGTERM to `npm run simulate` (what `timeout` and CI send): npm and its
 * `sh -c` die at once; the asp process they started must not go on running
 * detached. It drains like on SIGINT (run interrupted, listeners and queues
 * gone), and `--resume` finishes the run with the undisturbed digest.
 */
let temp: TempRun;
afterEach(() => temp?.cleanup());

let refDigest: string;
beforeAll(async () => {
  refDigest = (await referenceRun()).digest;
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('SIGTERM to npm run simulate', () => {
  it('the asp process started through npm stops too (drains, run interrupted, no listener left), and --resume finishes the run', async () => {
    temp = new TempRun();
    const file = join(temp.dir, 'paced.yaml');
    writeFileSync(file, pacedScenario(400));
    const npm = spawn('npm', ['run', 'simulate', '--', file, ...temp.cliArgs()], { cwd: REPO, env: { ...process.env, REDIS_URL }, stdio: 'ignore' });
    const npmExit = new Promise<number | null>((r) => npm.on('exit', (code, signal) => r(code ?? (signal ? 128 + 15 : null))));
    const runId = await until(() => runWithSteps(temp.dbPath, 3), 90_000, 'three stored steps');
    const asp = processesWith('cmdline', `simulate\0${file}`).filter((pid) => pid !== npm.pid);
    expect(asp).toHaveLength(1);
    const aspPid = asp[0]!;
    expect(processesWith('environ', `ASP_RUN_ID=${runId}\0`).length).toBeGreaterThan(0);

    npm.kill('SIGTERM');
    expect(await npmExit).toBe(143);
    // asp drains (finishes in-flight steps, removes listeners and queues) and exits; it does not run on to the end.
    await until(() => (alive(aspPid) ? undefined : true), 60_000, `asp (pid ${aspPid}) to exit after npm was terminated`);
    expect(readDb(temp.dbPath, (db) => db.prepare('SELECT status FROM runs WHERE run_id = ?').get(runId))).toEqual({ status: 'interrupted' });
    await until(() => (processesWith('environ', `ASP_RUN_ID=${runId}\0`).length === 0 ? true : undefined), 20_000, 'its listeners to exit');
    const log = readFileSync(join(temp.runsDir, runId, 'run.log'), 'utf8');
    expect(log).toMatch(/"status":"interrupted"/);

    const resumed = await runCli(['simulate', '--resume', runId, '--json', ...temp.cliArgs()]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(lastJson<{ digest: string }>(resumed.stdout).digest).toBe(refDigest);
  }, 300_000);
});
