import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { pingRedis, RedisClient } from '../../src/queue/bullmq-driver.ts';
import { acquireRedis, startPrivateRedis } from '../../src/runtime/private-redis.ts';
import { simulate } from '../../src/runner/simulate.ts';
import { ASP, REDIS_URL, REPO, TempRun } from '../support/temp-run.ts';

let temp: TempRun;
afterEach(() => temp?.cleanup());

const FLAKY = `name: flaky
seed: 9
workspace: none
workflow: { stepAttempts: 6, stepBackoffMs: 5, concurrency: 4, maxReviewRounds: 10 }
personas:
  alex: { transientFailureRate: RATE }
cycles:
  - generate: { count: 6, proxySize: { median: 120 } }
`;

describe('run lifecycle', () => {
  it('retries transient step failures and stores each step result exactly once', async () => {
    temp = new TempRun();
    const flaky = join(temp.dir, 'flaky.yaml');
    writeFileSync(flaky, FLAKY.replace('RATE', '0.4'));
    const steady = join(temp.dir, 'steady.yaml');
    writeFileSync(steady, FLAKY.replace('RATE', '0'));
    const a = await simulate({ scenarioFile: flaky, layout: temp.layout, redisUrl: REDIS_URL, observers: [] });
    const b = await simulate({ scenarioFile: steady, layout: temp.layout, redisUrl: REDIS_URL, observers: [] });
    expect(a.summary.tasks.map((t) => t.failure ?? 'ok')).toEqual(a.summary.tasks.map(() => 'ok'));
    expect(a.status).toBe('completed');
    const db = new Database(temp.dbPath, { readonly: true });
    const rows = db.prepare('SELECT step, round, task_id, attempts FROM step_results WHERE run_id = ?').all(a.runId) as Array<{ attempts: number; task_id: string; step: string; round: number }>;
    db.close();
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    const keys = rows.map((r) => `${r.task_id}/${r.step}/${r.round}`);
    expect(new Set(keys).size).toBe(keys.length);
    const expectedSteps = a.summary.tasks.reduce((s, t) => s + 3 + t.reviewRounds * 2, 0);
    expect(rows.length).toBe(expectedSteps);
    // Retries change nothing in the outcome.
    expect(a.digest).toBe(b.digest);
  });

  it('on SIGINT stops, removes its listeners and queues, and marks the run interrupted', async () => {
    temp = new TempRun();
    const child = spawn(process.execPath, [ASP, 'simulate', 'scenarios/six-cycles.yaml', '--json', '--tasks-in-flight', '1', ...temp.cliArgs()], {
      cwd: REPO,
      env: { ...process.env, REDIS_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    // Wait until the run has written its first step, then interrupt it.
    const deadline = Date.now() + 60_000;
    let runId: string | undefined;
    while (!runId && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      try {
        const db = new Database(temp.dbPath, { readonly: true, fileMustExist: true });
        runId = (db.prepare('SELECT run_id FROM step_results LIMIT 1').get() as { run_id: string } | undefined)?.run_id;
        db.close();
      } catch {
        /* not created yet */
      }
    }
    expect(runId).toBeDefined();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(130);
    const summary = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { status: string; totals: { tasks: number } };
    expect(summary.status).toBe('interrupted');
    expect(summary.totals.tasks).toBeLessThan(24);
    const db = new Database(temp.dbPath, { readonly: true });
    expect((db.prepare('SELECT status FROM runs WHERE run_id = ?').get(runId) as { status: string }).status).toBe('interrupted');
    db.close();
    const redis = new RedisClient(REDIS_URL);
    try {
      expect(await redis.scan(`asp-${runId}:*`)).toEqual([]);
    } finally {
      await redis.close();
    }
    // No listener of the run is left.
    const ps = readFileSync('/proc/self/stat', 'utf8') && (await import('node:child_process')).execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => /(asp|entry)\.js listen/.test(l) && l.includes(temp.dir))).toEqual([]);
  });

  it('starts a private redis-server when none answers and stops it afterwards', async () => {
    const redis = await startPrivateRedis();
    try {
      expect(redis.private).toBe(true);
      // Only ACL users: the URL carries the private server's admin user and password.
      expect(redis.url).toMatch(/^redis:\/\/asp-admin:[0-9a-f]{48}@127\.0\.0\.1:\d+$/);
      expect(await pingRedis(redis.url)).toBe(true);
    } finally {
      await redis.close();
    }
    expect(await pingRedis(redis.url, 300)).toBe(false);
  });

  it('refuses an explicit Redis URL that does not answer', async () => {
    await expect(acquireRedis('redis://127.0.0.1:1')).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', exitCode: 2 });
  });
});
