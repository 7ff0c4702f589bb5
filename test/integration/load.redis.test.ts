import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisClient } from '../../src/queue/bullmq-driver.ts';
import type { LoadReport } from '../../src/runner/load-test.ts';
import { main } from '../../src/cli/main.ts';
import { lastJson, REDIS_URL, TempRun } from '../support/temp-run.ts';

/** Runs `asp …` in this process (saves a tsx start-up per test); the listeners are still child processes. */
async function asp(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

let temp: TempRun | undefined;
afterEach(() => {
  temp?.cleanup();
  temp = undefined;
});

type LoadJson = LoadReport & { thresholds: Array<{ expression: string; pass: boolean; actual: number | null }>; files: { json: string; html: string } };

describe('asp load (real Redis, listeners and SQLite)', () => {
  it('runs 100 tasks, writes sane metrics to load.json and load.html, and exits 1 on a failed threshold', async () => {
    temp = new TempRun();
    const result = await asp([
      'load',
      '--tasks',
      '100',
      '--concurrency',
      '32',
      // A sample every 20 ms: the run lasts well under a second, shorter than the default period (250 ms).
      '--sample-ms',
      '20',
      '--json',
      ...temp.cliArgs(),
      '--redis',
      REDIS_URL,
      '--threshold',
      'errors.count==0',
      '--threshold',
      'e2e.p50<=60s',
      '--threshold',
      'throughput.tasks_per_s>1000000',
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('load: 1 of 3 thresholds failed: throughput.tasks_per_s>1000000');
    const report = lastJson<LoadJson>(result.stdout);

    const m = report.metrics;
    expect(report.config).toMatchObject({ tasks: 100, concurrency: 32, model: 'closed', workspace: 'none', lean: true });
    expect(m.tasks.finished).toBe(100);
    expect(m.tasks.started).toBe(100);
    expect(m.errors).toEqual({ count: 0, rate: 0 });
    expect(m.tasks.done + m.tasks.byEnd['round-limit'] + m.tasks.byEnd.rejected).toBe(100);
    // Every task runs define, estimate, implement, review and (unless rejected in review) accept.
    expect(m.jobs.total).toBeGreaterThanOrEqual(100 * 4);
    expect(m.latency.queues.jordan!.jobs + m.latency.queues.alex!.jobs + m.latency.queues.sarah!.jobs).toBe(m.jobs.total);
    expect(m.throughput.tasksPerS).toBeCloseTo((100 * 1000) / m.activeMs, 6);
    expect(m.throughput.jobsPerS).toBeGreaterThan(m.throughput.tasksPerS * 4);
    const e2e = m.latency.e2e;
    expect(e2e.count).toBe(100);
    expect(e2e.min).toBeGreaterThan(0);
    expect(e2e.p50).toBeLessThanOrEqual(e2e.p90);
    expect(e2e.p90).toBeLessThanOrEqual(e2e.p95);
    expect(e2e.p95).toBeLessThanOrEqual(e2e.p99);
    expect(e2e.p99).toBeLessThanOrEqual(e2e.max);
    expect(e2e.max).toBeLessThanOrEqual(m.activeMs + 1);
    for (const q of Object.values(m.latency.queues)) {
      expect(q.wait.min).toBeGreaterThanOrEqual(0);
      expect(q.processing.p50).toBeLessThan(e2e.p50);
    }
    expect(m.queues.series.length).toBeGreaterThan(0);
    expect(Math.max(...Object.values(m.queues.peakDepth))).toBeGreaterThan(0);
    expect(Math.max(...Object.values(m.queues.peakDepth))).toBeLessThanOrEqual(32);
    expect(m.memory.rssPeakBytes).toBeGreaterThan(m.memory.heapPeakBytes);
    expect(m.memory.redisPeakBytes).toBeGreaterThan(0);
    expect(report.database.rows.tasks).toBe(100);
    expect(report.database.rows.step_results).toBe(m.jobs.total);
    expect(report.thresholds.map((t) => t.pass)).toEqual([true, true, false]);

    const written = JSON.parse(readFileSync(report.files.json, 'utf8')) as LoadJson;
    expect(written.metrics.tasks.finished).toBe(100);
    const html = readFileSync(report.files.html, 'utf8');
    expect(html).toContain('new Chart(');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html.length).toBeGreaterThan(100_000); // chart.js inlined

    const redis = new RedisClient(REDIS_URL);
    try {
      expect(await redis.scan(`asp-${report.runId}:*`)).toEqual([]);
    } finally {
      await redis.close();
    }
  });

  it('rejects a malformed threshold with exit code 2 before anything runs', async () => {
    temp = new TempRun();
    const result = await asp(['load', '--tasks', '10', ...temp.cliArgs(), '--threshold', 'e2e.p95<2s', '--threshold', 'e2e.p95 < 2 parsecs']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid threshold "e2e.p95 < 2 parsecs"');
    expect(result.stderr).toContain('"parsecs" is not a unit of e2e.p95');
    expect(temp.written()).toEqual([]);
    expect(existsSync(temp.dbPath)).toBe(false);
  });

  it('rejects a sampling period under 10 ms with exit code 2 before anything runs', async () => {
    temp = new TempRun();
    const result = await asp(['load', '--tasks', '10', ...temp.cliArgs(), '--sample-ms', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--sample-ms must be a whole number ≥ 10 and ≤ 60000, got "5"');
    expect(temp.written()).toEqual([]);
    expect(existsSync(temp.dbPath)).toBe(false);
  });
});
