import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { RedisClient } from '../../src/queue/bullmq-driver.ts';
import { ROUND_TRIP_STEPS, runRoundTripBaseline } from '../../src/runner/round-trip-baseline.ts';
import type { ThroughputBenchResult } from '../../src/runner/throughput-bench.ts';
import { lastJson, REDIS_URL } from '../support/temp-run.ts';

describe('asp bench against the round-trip baseline (real Redis, workers in child processes)', () => {
  it('the baseline finishes every task, each in its steps, with more in flight than tasks, and leaves no keys', async () => {
    const redis = new RedisClient(REDIS_URL);
    try {
      const before = new Set(await redis.scan('asp-bench-rt-*'));
      const r = await runRoundTripBaseline({ redisUrl: REDIS_URL, tasks: 30, inFlight: 64, workerConcurrency: 4, timeoutMs: 120_000 });
      expect(r).toMatchObject({ tasks: 30, stepsPerTask: ROUND_TRIP_STEPS.length, jobs: 30 * ROUND_TRIP_STEPS.length });
      expect(r.tasksPerS).toBeGreaterThan(0);
      expect((await redis.scan('asp-bench-rt-*')).filter((k) => !before.has(k))).toEqual([]);
    } finally {
      await redis.close();
    }
  });

  it('`asp bench --json` prints engine, baseline and the ratio for each setting', async () => {
    let stdout = '';
    const code = await main(['bench', '--tasks', '20', '--settings', '8/4,16/8', '--skip-chain', '--json', '--redis', REDIS_URL], { stdout: (t) => (stdout += t), stderr: () => undefined });
    expect(code).toBe(0);
    const result = lastJson<ThroughputBenchResult>(stdout);
    expect(result.settings.map((s) => [s.inFlight, s.workerConcurrency])).toEqual([
      [8, 4],
      [16, 8],
    ]);
    for (const s of result.settings) {
      const run = s.runs[0]!;
      expect(run.baseline.tasks).toBe(20);
      expect(run.engine.tasksPerS).toBeGreaterThan(0);
      expect(run.ratio).toBeCloseTo(run.engine.tasksPerS / run.baseline.tasksPerS, 6);
      expect(run.chain).toBeUndefined();
    }
    expect(result.goal.ratio).toBe(0.8);
  });
});
