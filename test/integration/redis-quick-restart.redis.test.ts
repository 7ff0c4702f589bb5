import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pingRedis } from '../../src/queue/bullmq-driver.ts';
import { simulate } from '../../src/runner/simulate.ts';
import { pacedScenario, runWithSteps, stepKeys, until, referenceRun } from '../support/fault-helpers.ts';
import { TempRun } from '../support/temp-run.ts';

/**
 * A Redis restart faster than the watchdog's check (kill -9 and start again
 * on the same port within a second): the server forgot the persona ACL users
 * and the jobs in flight. The run used to never notice: listeners got
 * WRONGPASS for good and tasks failed after minutes. Now it sees the new
 * server identity (and the listeners' WRONGPASS), restores the users and the
 * lost jobs at once, and ends with the undisturbed outcome.
 */
const PORT = Number(process.env.ASP_TEST_RESTART_PORT ?? 16410);
const URL_ = `redis://127.0.0.1:${PORT}`;
let temp: TempRun;
let server: ChildProcess | undefined;
const redisDir = mkdtempSync(join(tmpdir(), 'asp-redis-'));
afterEach(() => temp?.cleanup());

async function startServer(): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
  await until(async () => ((await pingRedis(URL_, 200)) ? true : undefined), 10_000, `redis-server on ${PORT}`);
  return child;
}

async function killServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

let ref: { digest: string; steps: number };
beforeAll(async () => {
  ref = await referenceRun();
});
afterAll(async () => {
  await killServer(server);
  rmSync(redisDir, { recursive: true, force: true });
});

describe('Redis restarted within a second', () => {
  it('kill -9 and restart on the same port mid-run: users and jobs restored at once, same outcome digest, each step stored once', async () => {
    temp = new TempRun();
    const file = join(temp.dir, 'paced.yaml');
    writeFileSync(file, pacedScenario(400, ', stepTimeoutMs: 120000'));
    server = await startServer();
    const run = simulate({ scenarioFile: file, layout: temp.layout, redisUrl: URL_, observers: [] });
    const failed = run.then(
      () => undefined,
      (err: unknown) => err,
    );
    await until(() => runWithSteps(temp.dbPath, 3), 90_000, 'three stored steps');
    const t0 = Date.now();
    await killServer(server);
    server = await startServer();
    const gapMs = Date.now() - t0;
    expect(gapMs).toBeLessThan(1000);

    expect(await failed).toBeUndefined();
    const result = await run;
    expect(result.status).toBe('completed');
    expect(result.digest).toBe(ref.digest);
    const keys = stepKeys(temp.dbPath, result.runId);
    expect(keys).toHaveLength(ref.steps);
    expect(new Set(keys).size).toBe(ref.steps);
    console.log(`Redis down ${gapMs} ms; run finished ${((Date.now() - t0) / 1000).toFixed(1)} s after the kill`);
  }, 400_000);
});
