import { isAspError } from '../errors.ts';
import { readRunMetric, runMetricCatalogue, type RunMetrics } from '../runner/run-metrics.ts';
import type { RunSummary } from '../engine/run-summary-types.ts';
import type { MetricRef } from '../thresholds/metric-catalogue.ts';
import { parseMetricRef, thresholdProblem } from '../thresholds/threshold-parser.ts';

/**
 * The metrics an experiment compares: references to the run metrics of
 * src/runner/run-metrics.ts (`escaped_defects`, `review_rounds.avg`, …),
 * read from each run exactly as `expect:` thresholds read them.
 */
export interface MetricSpec {
  ref: string;
  parsed: MetricRef;
  label: string;
}

const LABELS: Record<string, string> = {
  'tasks.done': 'tasks done',
  escaped_defects: 'escaped defects',
  'review_rounds.avg': 'review rounds per task',
  'cycle_hours.avg': 'cycle time (h)',
  'sim.hours': 'calendar end (h)',
  'effort.hours': 'total effort (h)',
  'estimate.in_interval70': 'PROBE 70 % hit rate',
  'estimate.in_interval90': 'PROBE 90 % hit rate',
  'estimate.size_mmre': 'size MMRE',
  'estimate.time_mmre': 'time MMRE',
  'cost.usd': 'cost (USD)',
};

export const DEFAULT_METRICS: readonly string[] = [
  'tasks.done',
  'escaped_defects',
  'review_rounds.avg',
  'cycle_hours.avg',
  'sim.hours',
  'estimate.in_interval70',
  'estimate.in_interval90',
  'estimate.size_mmre',
  'estimate.time_mmre',
  'cost.usd',
];

/** What a forecast reads from every run, whatever the experiment compares. */
export const FORECAST_METRICS: readonly string[] = ['sim.hours', 'effort.hours', 'tasks.total', 'tasks.done'];

/** Parses a metric reference; a message instead when it is not one. */
export function metricSpec(ref: string): MetricSpec | string {
  try {
    return { ref, parsed: parseMetricRef(ref, runMetricCatalogue), label: LABELS[ref] ?? ref };
  } catch (err) {
    if (isAspError(err)) return thresholdProblem(err);
    throw err;
  }
}

/** The cumulative tasks done at the end of each cycle of a run, on the simulated calendar. */
export interface CompletionPoint {
  hours: number;
  done: number;
}

/** What one run of one variant contributes to the experiment. */
export interface RunResult {
  variant: number;
  seedIndex: number;
  seed: string | number;
  /** The run's outcome digest. */
  digest: string;
  /** Every metric the experiment compares and FORECAST_METRICS, by reference. */
  values: Record<string, number | null>;
  completion: CompletionPoint[];
}

/** Reads the metric values and the completion curve of a finished run. */
export function measureRun(metrics: RunMetrics, summary: Pick<RunSummary, 'cycles'>, refs: readonly MetricSpec[]): Pick<RunResult, 'values' | 'completion'> {
  const values: Record<string, number | null> = {};
  for (const ref of refs) values[ref.ref] = roundValue(readRunMetric(ref.parsed, metrics));
  for (const name of FORECAST_METRICS) if (!(name in values)) values[name] = roundValue(metrics.values[name] ?? null);
  let done = 0;
  const completion = summary.cycles.map((c) => {
    done += c.done;
    return { hours: roundValue(c.simEndMin / 60) ?? 0, done };
  });
  return { values, completion };
}

/** Twelve significant digits: the same run gives the same JSON on any machine and in any worker. */
function roundValue(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(12));
}
