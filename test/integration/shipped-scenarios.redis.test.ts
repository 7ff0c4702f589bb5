import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/engine/run-summary-types.ts';
import { loadScenarioFile } from '../../src/scenario/scenario-loader.ts';
import { lastJson, REPO, runCli, TempRun } from '../support/temp-run.ts';

/**
 * Every scenario shipped in scenarios/ states what it demonstrates in its
 * `expect:` lines; each one runs here as a user runs it (`asp simulate`) and
 * must exit 0 with every line held. The inline transport keeps it fast: it
 * gives the same outcome digest as the persona queues
 * (transports.redis.test.ts), so the same metrics.
 */
const SHIPPED = readdirSync(join(REPO, 'scenarios'))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const RUN_MS = 900_000;

let temp: TempRun;
afterEach(() => temp?.cleanup());

describe('shipped scenarios', () => {
  it('each states what it demonstrates in expect: lines', () => {
    expect(SHIPPED.length).toBeGreaterThanOrEqual(5);
    for (const file of SHIPPED) {
      const { scenario } = loadScenarioFile(join(REPO, 'scenarios', file));
      expect(scenario.expect.length, `${file} has no expect: lines`).toBeGreaterThan(0);
    }
  });

  it.each(SHIPPED)(
    '%s: every expectation holds (exit 0)',
    async (file) => {
      temp = new TempRun();
      const result = await runCli(['simulate', join('scenarios', file), '--transport', 'inline', '--json', '--log-level', 'warn', ...temp.cliArgs()], {}, RUN_MS);
      const summary = lastJson<RunSummary>(result.stdout);
      const failed = (summary.expectations ?? []).filter((e) => !e.pass);
      expect(failed, `${file}: ${result.stderr}`).toEqual([]);
      expect(result.code).toBe(0);
      expect(summary.status).toBe('completed');
      expect(summary.expectations?.length).toBe(loadScenarioFile(join(REPO, 'scenarios', file)).scenario.expect.length);
      if (file !== 'strict-reviewer.yaml') {
        // A team that converges: nearly every task done, so a failure means something.
        expect(summary.totals.done / summary.totals.tasks, file).toBeGreaterThanOrEqual(0.9);
      } else {
        // Rework and round-limit failures on purpose, reported as simulated outcomes.
        expect(summary.totals.failedBy['round-limit']).toBeGreaterThan(0);
      }
    },
    RUN_MS,
  );

  it(
    "load's default model finishes nearly every task (exit 0 with a failed-rate threshold)",
    async () => {
      temp = new TempRun();
      const result = await runCli(['load', '--tasks', '300', '--threshold', 'tasks.failed_rate<0.1', '--threshold', 'errors.count==0', '--json', '--log-level', 'warn', ...temp.cliArgs()], {}, RUN_MS);
      expect(result.code, result.stderr).toBe(0);
      const report = lastJson<{ status: string; metrics: { tasks: { finished: number; done: number } }; thresholds: Array<{ pass: boolean }> }>(result.stdout);
      expect(report.status).toBe('completed');
      expect(report.metrics.tasks.finished).toBe(300);
      expect(report.metrics.tasks.done / 300).toBeGreaterThanOrEqual(0.9);
      expect(report.thresholds.every((t) => t.pass)).toBe(true);
    },
    RUN_MS,
  );
});
