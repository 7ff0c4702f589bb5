import { estimationAccuracy } from '../probe/index.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import type { RunSummary } from './run-summary.ts';

/**
 * The metrics a scenario's `expect:` thresholds (and the regression
 * baselines) are written against. A *value* metric is one number; a *trend*
 * metric has one sample per task (or cycle) and is read through an
 * aggregate: avg, min, max, med, sum, count, pN / p(N) (percentile with
 * linear interpolation between ranks, e.g. p95, p(99.9)).
 */
export interface MetricDoc {
  name: string;
  kind: 'value' | 'trend';
  description: string;
}

export const METRICS: readonly MetricDoc[] = [
  { name: 'tasks.total', kind: 'value', description: 'tasks that finished (done or failed)' },
  { name: 'tasks.done', kind: 'value', description: 'tasks Jordan accepted' },
  { name: 'tasks.failed', kind: 'value', description: 'tasks that failed (step failure, review round limit, rejection)' },
  { name: 'tasks.failed_rate', kind: 'value', description: 'tasks.failed / tasks.total (0..1)' },
  { name: 'tasks.done_rate', kind: 'value', description: 'tasks.done / tasks.total (0..1)' },
  { name: 'review_rounds', kind: 'trend', description: 'review rounds per task' },
  { name: 'task_minutes', kind: 'trend', description: 'simulated minutes per task, all personas and phases' },
  { name: 'dev_minutes', kind: 'trend', description: "Alex's simulated minutes per task (planning, code, rework)" },
  { name: 'actual_size', kind: 'trend', description: 'actual added & modified LOC per task' },
  { name: 'cycle_hours', kind: 'trend', description: 'simulated calendar hours per cycle' },
  { name: 'estimate.in_interval70', kind: 'value', description: "share of done tasks whose actual size lies in the estimate's 70% size interval (null when none had one)" },
  { name: 'estimate.in_interval90', kind: 'value', description: 'the same for the 90% size interval' },
  { name: 'estimate.time_in_interval70', kind: 'value', description: "share of done tasks whose actual minutes lie in the estimate's 70% time interval" },
  { name: 'estimate.time_in_interval90', kind: 'value', description: 'the same for the 90% time interval' },
  { name: 'estimate.size_mmre', kind: 'value', description: 'mean |actual − estimate| / actual of the size estimates of done tasks' },
  { name: 'estimate.time_mmre', kind: 'value', description: 'the same for the time estimates' },
  { name: 'estimate.size_error', kind: 'trend', description: '|actual − estimate| / actual size per done task' },
  { name: 'defects.injected', kind: 'value', description: 'latent defects Alex injected' },
  { name: 'defects.found_review', kind: 'value', description: 'defects Sarah found in code review' },
  { name: 'defects.found_acceptance', kind: 'value', description: 'defects Jordan found in acceptance tests' },
  { name: 'escaped_defects', kind: 'value', description: 'latent defects left in accepted (done) tasks: they reached the customer' },
  { name: 'review_yield', kind: 'value', description: 'defects.found_review / defects.injected (null without defects)' },
  { name: 'cost.usd', kind: 'value', description: 'API cost of AI personas in US dollars' },
  { name: 'sim.hours', kind: 'value', description: 'simulated calendar hours of the whole run' },
  { name: 'effort.hours', kind: 'value', description: 'simulated person-hours of all tasks (every persona and phase)' },
];

export const AGGREGATES = ['avg', 'min', 'max', 'med', 'sum', 'count'] as const;
export type Aggregate = { kind: (typeof AGGREGATES)[number] } | { kind: 'p'; percentile: number };

export interface RunMetrics {
  values: Record<string, number | null>;
  trends: Record<string, number[]>;
}

export function metricDoc(name: string): MetricDoc | undefined {
  return METRICS.find((m) => m.name === name);
}

/** Computes every metric of METRICS from a run's task outcomes and summary. */
export function computeMetrics(outcomes: readonly TaskOutcome[], summary: RunSummary): RunMetrics {
  const done = outcomes.filter((o) => o.state === 'done');
  const estimated = done.filter((o) => o.estimate);
  const accuracy = estimationAccuracy(estimated.map((o) => ({ estimate: o.estimate!, actualSize: o.actualSize, actualMinutes: o.actualMinutes })));
  const hit = (cap: 'size' | 'time', percent: number) => accuracy[cap].hitRates.find((h) => h.percent === percent)?.rate ?? null;
  const count = (f: (o: TaskOutcome) => number) => outcomes.reduce((s, o) => s + f(o), 0);
  const injected = count((o) => o.injected.length);
  const foundReview = count((o) => o.removed.filter((d) => d.phaseRemoved === 'code-review').length);
  const failed = outcomes.length - done.length;
  return {
    values: {
      'tasks.total': outcomes.length,
      'tasks.done': done.length,
      'tasks.failed': failed,
      'tasks.failed_rate': outcomes.length > 0 ? failed / outcomes.length : null,
      'tasks.done_rate': outcomes.length > 0 ? done.length / outcomes.length : null,
      'estimate.in_interval70': hit('size', 70),
      'estimate.in_interval90': hit('size', 90),
      'estimate.time_in_interval70': hit('time', 70),
      'estimate.time_in_interval90': hit('time', 90),
      'estimate.size_mmre': accuracy.size.mmre,
      'estimate.time_mmre': accuracy.time.mmre,
      'defects.injected': injected,
      'defects.found_review': foundReview,
      'defects.found_acceptance': count((o) => o.removed.filter((d) => d.phaseRemoved === 'acceptance-test').length),
      escaped_defects: done.reduce((s, o) => s + o.escaped.length, 0),
      review_yield: injected > 0 ? foundReview / injected : null,
      'cost.usd': summary.totals.costUsd,
      'sim.hours': summary.totals.simMinutes / 60,
      'effort.hours': outcomes.reduce((s, o) => s + o.totalMinutes, 0) / 60,
    },
    trends: {
      review_rounds: outcomes.map((o) => o.reviewRounds),
      task_minutes: outcomes.map((o) => o.totalMinutes),
      dev_minutes: outcomes.map((o) => o.actualMinutes),
      actual_size: outcomes.map((o) => o.actualSize),
      cycle_hours: summary.cycles.map((c) => c.cycleMinutes / 60),
      'estimate.size_error': estimated.filter((o) => o.actualSize > 0).map((o) => Math.abs(o.actualSize - o.estimate!.size.projected) / o.actualSize),
    },
  };
}

/** A trend's aggregate; null when the trend has no samples. */
export function aggregate(samples: readonly number[], agg: Aggregate): number | null {
  if (agg.kind === 'count') return samples.length;
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  switch (agg.kind) {
    case 'sum':
      return sorted.reduce((s, x) => s + x, 0);
    case 'avg':
      return sorted.reduce((s, x) => s + x, 0) / sorted.length;
    case 'min':
      return sorted[0] ?? null;
    case 'max':
      return sorted[sorted.length - 1] ?? null;
    case 'med':
      return percentile(sorted, 50);
    case 'p':
      return percentile(sorted, agg.percentile);
  }
}

/** Linear interpolation between closest ranks over sorted samples. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (rank - lo);
}

/** The metric reference, for `asp regress --help` and docs. */
export function metricReference(): string {
  const width = Math.max(...METRICS.map((m) => m.name.length));
  return METRICS.map((m) => `  ${m.name.padEnd(width)}  ${m.kind === 'trend' ? '[trend] ' : ''}${m.description}`).join('\n');
}
