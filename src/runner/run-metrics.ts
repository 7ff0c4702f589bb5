import { estimationAccuracy } from '../probe/index.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import type { RunSummary } from '../engine/run-summary-types.ts';
import { aggregate } from '../thresholds/aggregate.ts';
import { MetricCatalogue, type MetricInfo, type MetricRef } from '../thresholds/metric-catalogue.ts';
import type { MetricUnit } from '../thresholds/metric-units.ts';

/**
 * The metrics a scenario's `expect:` thresholds, the regression baselines
 * and experiments are written against (the language: README.md,
 * "Thresholds"). A value metric is one number; a trend has one sample per
 * task (or cycle) and is read through an aggregate (`review_rounds.p95`).
 * Each has a unit kind: `task_minutes.p90 < 8h` and `tasks.failed_rate < 5%`
 * work as well as the bare numbers in the metric's own unit.
 */
const metric = (name: string, shape: MetricInfo['shape'], unit: MetricUnit, description: string): MetricInfo => ({ name, shape, ...unit, description });
const COUNT: MetricUnit = { kind: 'count' };
const RATIO: MetricUnit = { kind: 'ratio' };
const MINUTES: MetricUnit = { kind: 'duration', base: 'min' };
const HOURS: MetricUnit = { kind: 'duration', base: 'h' };

export const METRICS: readonly MetricInfo[] = [
  metric('tasks.total', 'value', COUNT, 'tasks that finished (done or failed)'),
  metric('tasks.done', 'value', COUNT, 'tasks Jordan accepted'),
  metric('tasks.failed', 'value', COUNT, 'tasks that failed (step failure, review round limit, rejection)'),
  metric('tasks.failed_rate', 'value', RATIO, 'tasks.failed / tasks.total (0..1)'),
  metric('tasks.done_rate', 'value', RATIO, 'tasks.done / tasks.total (0..1)'),
  metric('review_rounds', 'trend', COUNT, 'review rounds per task'),
  metric('task_minutes', 'trend', MINUTES, 'simulated minutes per task, all personas and phases'),
  metric('dev_minutes', 'trend', MINUTES, "Alex's simulated minutes per task (planning, code, rework)"),
  metric('actual_size', 'trend', COUNT, 'actual added & modified LOC per task'),
  metric('cycle_hours', 'trend', HOURS, 'simulated calendar hours per cycle'),
  metric('estimate.in_interval70', 'value', RATIO, "share of done tasks whose actual size lies in the estimate's 70% size interval (null when none had one)"),
  metric('estimate.in_interval90', 'value', RATIO, 'the same for the 90% size interval'),
  metric('estimate.time_in_interval70', 'value', RATIO, "share of done tasks whose actual minutes lie in the estimate's 70% time interval"),
  metric('estimate.time_in_interval90', 'value', RATIO, 'the same for the 90% time interval'),
  metric('estimate.size_mmre', 'value', RATIO, 'mean |actual − estimate| / actual of the size estimates of done tasks'),
  metric('estimate.time_mmre', 'value', RATIO, 'the same for the time estimates'),
  metric('estimate.size_error', 'trend', RATIO, '|actual − estimate| / actual size per done task'),
  metric('defects.injected', 'value', COUNT, 'latent defects Alex injected'),
  metric('defects.found_review', 'value', COUNT, 'defects Sarah found in code review'),
  metric('defects.found_acceptance', 'value', COUNT, 'defects Jordan found in acceptance tests'),
  metric('escaped_defects', 'value', COUNT, 'latent defects left in accepted (done) tasks: they reached the customer'),
  metric('review_yield', 'value', RATIO, 'defects.found_review / defects.injected (null without defects)'),
  metric('cost.usd', 'value', { kind: 'number' }, 'API cost of AI personas in US dollars'),
  metric('sim.hours', 'value', HOURS, 'simulated calendar hours of the whole run'),
  metric('effort.hours', 'value', HOURS, 'simulated person-hours of all tasks (every persona and phase)'),
];

export const runMetricCatalogue = new MetricCatalogue(METRICS, '`asp regress --help` lists the metrics');

export interface RunMetrics {
  values: Record<string, number | null>;
  trends: Record<string, number[]>;
}

/** The value a metric reference reads in a run (null when there is no data). */
export function readRunMetric(ref: MetricRef, metrics: RunMetrics): number | null {
  if (!ref.aggregate) return metrics.values[ref.metric] ?? null;
  return aggregate(metrics.trends[ref.metric] ?? [], ref.aggregate);
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

/** The metric reference, for `asp regress --help` and docs. */
export function metricReference(): string {
  const width = Math.max(...METRICS.map((m) => m.name.length));
  const tag = (m: MetricInfo) => `[${m.shape === 'trend' ? 'trend, ' : ''}${m.base ?? m.kind}]`;
  const tagWidth = Math.max(...METRICS.map((m) => tag(m).length));
  return METRICS.map((m) => `  ${m.name.padEnd(width)}  ${tag(m).padEnd(tagWidth)}  ${m.description}`).join('\n');
}
