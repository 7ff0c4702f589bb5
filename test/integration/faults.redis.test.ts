import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { liveListeners } from '../../src/queue/listener-registry.ts';
import { queueJobCounts } from '../../src/queue/bullmq-driver.ts';
import { startPrivateRedis } from '../../src/runtime/private-redis.ts';
import { simulate } from '../../src/runner/simulate.ts';
import { pacedScenario, processesWith, referenceRun, until, type Reference } from '../support/fault-helpers.ts';
import { ASP, lastJson, REDIS_URL, REPO, runCli, TempRun } from '../support/temp-run.ts';

/**
 * Fault injection against real processes and real Redis. Each test compares
 * with an uninterrupted run of the same scenario: no task lost, none
 * duplicated, the same outcome digest.
 */
let temp: TempRun;
afterEach(() => temp?.cleanup());

/** One uninterrupted run of the scenario: what every faulty run must end with. */
let ref: Reference;
beforeAll(async () => {
  ref = await referenceRun();
});
const FAULT_TEST_MS = 300_000;
const scenarioText = pacedScenario;

/** Step results stored so far (0 while the database does not exist yet). */
function storedStepCount(dbPath: string): number {
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM step_results').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

function stepRows(dbPath: string, runId: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT task_id, step, round FROM step_results WHERE run_id = ?').all(runId) as Array<{ task_id: string; step: string; round: number }>;
  } finally {
    db.close();
  }
}

describe('faults', () => {
  it(
    'a listener killed with SIGKILL mid-job: the job is retried, the task completes, each step stored once',
    async () => {
      temp = new TempRun();
      const file = join(temp.dir, 'paced.yaml');
      writeFileSync(file, scenarioText(1200));
      const prefix = `asp-fault-${Date.now()}`;
      const run = simulate({ scenarioFile: file, layout: temp.layout, redisUrl: REDIS_URL, queuePrefix: prefix, observers: [] });
      const t0 = Date.now();
      const victim = await until(
        async () => {
          const counts = await queueJobCounts(REDIS_URL, prefix, 'alex');
          if ((counts.active ?? 0) === 0) return undefined;
          return (await liveListeners(REDIS_URL, prefix)).find((b) => b.persona === 'alex');
        },
        60_000,
        'an active alex job',
      );
      process.kill(victim.pid, 'SIGKILL');
      const result = await run;
      const rows = stepRows(temp.dbPath, result.runId);
      expect(result.status).toBe('completed');
      expect(result.digest).toBe(ref.digest);
      expect(rows).toHaveLength(ref.steps);
      expect(new Set(rows.map((r) => `${r.task_id}/${r.step}/${r.round}`)).size).toBe(ref.steps);
      console.log(`listener SIGKILL: recovered, run took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
    FAULT_TEST_MS,
  );

  it(
    'the simulate process killed with SIGKILL: --resume finishes the run with the same digest, nothing lost or duplicated',
    async () => {
      temp = new TempRun();
      const file = join(temp.dir, 'paced.yaml');
      writeFileSync(file, scenarioText(400));
      const child = spawn(process.execPath, [ASP, 'simulate', file, ...temp.cliArgs()], { cwd: REPO, env: { ...process.env, REDIS_URL }, stdio: 'ignore' });
      const runId = await until(
        () => {
          try {
            const db = new Database(temp.dbPath, { readonly: true, fileMustExist: true });
            try {
              const done = db.prepare('SELECT run_id FROM cycles WHERE completed_at IS NOT NULL LIMIT 1').get() as { run_id: string } | undefined;
              const busy = done && (db.prepare('SELECT COUNT(*) AS n FROM step_results WHERE run_id = ? AND task_id LIKE ?').get(done.run_id, 'b-%') as { n: number }).n > 0;
              return busy ? done.run_id : undefined;
            } finally {
              db.close();
            }
          } catch {
            return undefined;
          }
        },
        90_000,
        'the first cycle to complete and the second to start',
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const before = stepRows(temp.dbPath, runId).length;
      expect(before).toBeLessThan(ref.steps);
      // Its listeners notice the parent is gone and stop.
      await until(async () => ((await liveListeners(REDIS_URL, `asp-${runId}`)).length === 0 ? true : undefined), 15_000, 'orphan listeners to stop');

      const t0 = Date.now();
      const resumed = await runCli(['simulate', '--resume', runId, '--json', '--db', temp.dbPath, '--runs-dir', temp.runsDir, '--workspaces', temp.workspacesDir]);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const summary = lastJson<{ digest: string; status: string; totals: { tasks: number; costUsd: number } }>(resumed.stdout);
      expect(summary.status).toBe('completed');
      expect(summary.totals.tasks).toBe(4);
      // The summary counts every step of the run, those stored before the kill too.
      expect(ref.costUsd).toBeGreaterThan(0);
      expect(summary.totals.costUsd).toBeCloseTo(ref.costUsd, 4);
      expect(summary.digest).toBe(ref.digest);
      const rows = stepRows(temp.dbPath, runId);
      expect(rows).toHaveLength(ref.steps);
      console.log(`orchestrator SIGKILL: ${before}/${ref.steps} steps stored at the kill; resume took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
    FAULT_TEST_MS,
  );

  it(
    'Redis restarted during a run: the run waits, then continues to the same outcome',
    async () => {
      temp = new TempRun();
      let redis = await startPrivateRedis();
      const port = Number(new URL(redis.url).port);
      const file = join(temp.dir, 'paced.yaml');
      writeFileSync(file, scenarioText(300));
      try {
        const run = simulate({ scenarioFile: file, layout: temp.layout, redisUrl: redis.url, observers: [] });
        await until(() => (storedStepCount(temp.dbPath) >= 3 ? true : undefined), 60_000, 'three stored steps');
        await redis.close();
        const down = Date.now();
        await new Promise((r) => setTimeout(r, 3000));
        redis = await startPrivateRedis(port);
        const result = await run;
        expect(result.status).toBe('completed');
        expect(result.digest).toBe(ref.digest);
        expect(stepRows(temp.dbPath, result.runId)).toHaveLength(ref.steps);
        console.log(`Redis restart: down 3 s, run finished ${((Date.now() - down) / 1000).toFixed(1)} s after the restart began`);
      } finally {
        await redis.close();
      }
    },
    FAULT_TEST_MS,
  );

  it(
    'Redis that stays away: the run stops with a clear error after the bounded wait; --resume completes it later',
    async () => {
      temp = new TempRun();
      let redis = await startPrivateRedis();
      const port = Number(new URL(redis.url).port);
      const file = join(temp.dir, 'paced.yaml');
      writeFileSync(file, scenarioText(300, ', redisOutageMs: 3000'));
      try {
        const run = simulate({ scenarioFile: file, layout: temp.layout, redisUrl: redis.url, observers: [] });
        const failure = run.then(
          () => undefined,
          (err: unknown) => err,
        );
        await until(() => (storedStepCount(temp.dbPath) >= 3 ? true : undefined), 60_000, 'three stored steps');
        await redis.close();
        const t0 = Date.now();
        const err = (await failure) as { code?: string; message?: string; hint?: string };
        expect(err?.code).toBe('REDIS_UNAVAILABLE');
        expect(err.message).toMatch(/Redis went away for \d+ s during run (run-\S+); the run stopped/);
        expect(err.hint).toMatch(/--resume run-/);
        const runId = /during run (run-\S+);/.exec(err.message ?? '')?.[1] ?? '';
        console.log(`Redis outage: run stopped ${((Date.now() - t0) / 1000).toFixed(1)} s after Redis went away`);

        // The stopped run's listeners are gone before the run is resumed.
        await until(() => (processesWith('environ', `ASP_RUN_ID=${runId}\0`).length === 0 ? true : undefined), 30_000, "the stopped run's listeners to exit");
        redis = await startPrivateRedis(port);
        const resumed = await runCli(['simulate', '--resume', runId, '--json', '--db', temp.dbPath, '--runs-dir', temp.runsDir, '--workspaces', temp.workspacesDir], { REDIS_URL: redis.url });
        expect(resumed.code).toBe(0);
        expect(lastJson<{ digest: string }>(resumed.stdout).digest).toBe(ref.digest);
        expect(stepRows(temp.dbPath, runId)).toHaveLength(ref.steps);
      } finally {
        await redis.close();
      }
    },
    FAULT_TEST_MS,
  );
});
