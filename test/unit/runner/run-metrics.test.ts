import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyMetrics } from '../../../src/runner/regression-baseline.ts';
import { computeMetrics, type RunMetrics } from '../../../src/runner/run-metrics.ts';
import type { RunSummary } from '../../../src/engine/run-summary-types.ts';
import type { TaskOutcome } from '../../../src/workflow/task-types.ts';
import { inlineRun, SMALL_SCENARIO } from '../../support/inline-run.ts';

let dir: string;
let outcomes: TaskOutcome[];
let metrics: RunMetrics;
const summary = { totals: { costUsd: 0.25, simMinutes: 600 }, cycles: [{ cycleMinutes: 120 }, { cycleMinutes: 480 }] } as unknown as RunSummary;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asp-metrics-'));
  outcomes = (await inlineRun(SMALL_SCENARIO, dir)).outcomes;
  metrics = computeMetrics(outcomes, summary);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('computeMetrics', () => {
  it('counts tasks and their states', () => {
    const done = outcomes.filter((o) => o.state === 'done').length;
    expect(metrics.values['tasks.total']).toBe(6);
    expect(metrics.values['tasks.done']).toBe(done);
    expect(metrics.values['tasks.failed']).toBe(6 - done);
    expect(metrics.values['tasks.failed_rate']).toBeCloseTo((6 - done) / 6, 12);
  });

  it('counts defects by where they were found; escaped counts only accepted tasks', () => {
    const injected = outcomes.reduce((s, o) => s + o.injected.length, 0);
    const review = outcomes.flatMap((o) => o.removed).filter((d) => d.phaseRemoved === 'code-review').length;
    expect(metrics.values['defects.injected']).toBe(injected);
    expect(metrics.values['defects.found_review']).toBe(review);
    expect(metrics.values.review_yield).toBeCloseTo(review / injected, 12);
    expect(metrics.values.escaped_defects).toBe(outcomes.filter((o) => o.state === 'done').reduce((s, o) => s + o.escaped.length, 0));
    expect(injected).toBeGreaterThan(0);
  });

  it('has one sample per task for task trends and one per cycle for cycle_hours', () => {
    expect(metrics.trends.review_rounds).toEqual(outcomes.map((o) => o.reviewRounds));
    expect(metrics.trends.task_minutes).toHaveLength(6);
    expect(metrics.trends.cycle_hours).toEqual([2, 8]);
    expect(metrics.values['sim.hours']).toBe(10);
    expect(metrics.values['cost.usd']).toBe(0.25);
  });

  it('measures the share of done tasks inside their 70 % / 90 % size interval', () => {
    const inside = (pct: number) => {
      const done = outcomes.filter((o) => o.state === 'done' && o.estimate);
      const withInterval = done.filter((o) => o.estimate!.size.intervals.some((i) => i.percent === pct));
      const hits = withInterval.filter((o) => {
        const i = o.estimate!.size.intervals.find((x) => x.percent === pct)!;
        return o.actualSize >= i.lpi && o.actualSize <= i.upi;
      });
      return withInterval.length ? hits.length / withInterval.length : null;
    };
    expect(metrics.values['estimate.in_interval70']).toBe(inside(70));
    expect(metrics.values['estimate.in_interval90']).toBe(inside(90));
  });

  it('gives baselines their key metrics, rounded', () => {
    const key = keyMetrics(metrics);
    expect(Object.keys(key)).toContain('review_rounds.avg');
    expect(key['tasks.total']).toBe(6);
    expect(key['review_rounds.max']).toBe(Math.max(...outcomes.map((o) => o.reviewRounds)));
  });
});
