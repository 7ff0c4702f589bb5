import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { RedisClient } from '../../src/queue/bullmq-driver.ts';
import { ROUND_TRIP_STEPS, runRoundTripBaseline } from '../../src/runner/round-trip-baseline.ts';
import type { ThroughputBenchResult } from '../../src/runner/throughput-bench.ts';
import { workloadSteps } from '../../src/runner/bench-workload.ts';
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

  it('the baseline gives each task the steps the engine takes for it: reworked tasks have more', async () => {
    const sequences = await workloadSteps({ tasks: 40, concurrency: 8, listenerConcurrency: 4, listenersPerPersona: 1, workspace: 'none' });
    expect(sequences).toHaveLength(40);
    for (const s of sequences) {
      // define, estimate, implement, review, then (fix, review)*, accept
      expect(s.slice(0, 4)).toEqual(['jordan', 'alex', 'alex', 'sarah']);
      expect(s.at(-1)).toBe('jordan');
    }
    const lengths = new Set(sequences.map((s) => s.length));
    expect(lengths.size).toBeGreaterThan(1);
    const r = await runRoundTripBaseline({ redisUrl: REDIS_URL, tasks: 40, inFlight: 8, workerConcurrency: 4, sequences, timeoutMs: 120_000 });
    const jobs = sequences.reduce((n, s) => n + s.length, 0);
    expect(r).toMatchObject({ tasks: 40, jobs, stepsPerTask: jobs / 40 });
    await expect(runRoundTripBaseline({ redisUrl: REDIS_URL, tasks: 41, inFlight: 8, workerConcurrency: 4, sequences })).rejects.toThrow(/40 step sequences for 41 tasks/);
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
      // Same round trips: the baseline's steps per task are the engine's.
      expect(run.baseline.stepsPerTask).toBeCloseTo(run.engine.jobsPerTask, 6);
      expect(run.chain).toBeUndefined();
    }
    expect(result.goal.ratio).toBe(0.8);
  });

  it('`asp bench --memory` prints, per size, the peak and the median RSS of a load run in its own process, and both growths', async () => {
    let stdout = '';
    const code = await main(['bench', '--memory', '--sizes', '30,60', '--concurrency', '8', '--listener-concurrency', '4', '--json', '--redis', REDIS_URL], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    const result = lastJson<{ runs: Array<{ tasks: number; rssPeakBytes: number; rssMedianBytes: number; errors: number }>; growth: number; medianGrowth: number }>(stdout);
    expect(result.runs.map((r) => r.tasks)).toEqual([30, 60]);
    for (const r of result.runs) {
      expect(r.errors).toBe(0);
      expect(r.rssMedianBytes).toBeGreaterThan(0);
      // The median of the samples is never above their peak (within the series' rounding to 0.1 MB).
      expect(r.rssMedianBytes).toBeLessThanOrEqual(r.rssPeakBytes + 0.1 * 1024 * 1024);
    }
    const [small, large] = result.runs as [(typeof result.runs)[0], (typeof result.runs)[0]];
    expect(result.growth).toBeCloseTo(large.rssPeakBytes / small.rssPeakBytes, 6);
    expect(result.medianGrowth).toBeCloseTo(large.rssMedianBytes / small.rssMedianBytes, 6);
  });
});
