import type { MetricRef } from './metric-catalogue.ts';
import { formatMetric } from './metric-units.ts';
import type { Comparator, Threshold } from './threshold-parser.ts';

/** Reads a metric of a run in its base unit; null when the run has no data for it. */
export type MetricReader = (ref: MetricRef) => number | null;

export interface ThresholdOutcome {
  threshold: Threshold;
  /** The metric's value in the run, in its base unit; null when there is no data (which fails). */
  actual: number | null;
  pass: boolean;
}

/** A checked threshold as reports and `--json` carry it. */
export interface ThresholdResult {
  expression: string;
  pass: boolean;
  /** The metric's value in this run (null: no data, which fails). */
  actual: number | null;
}

const EPSILON = 1e-9;

/** `a op b`, with equality within 1e-9 (so 0.1 + 0.2 <= 0.3 holds). */
export function compare(a: number, op: Comparator, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b + EPSILON;
    case '>':
      return a > b;
    case '>=':
      return a >= b - EPSILON;
    case '==':
      return Math.abs(a - b) <= EPSILON;
    case '!=':
      return Math.abs(a - b) > EPSILON;
  }
}

/** Checks one threshold; no data (null, NaN, ±∞) fails rather than passing vacuously. */
export function evaluateThreshold(threshold: Threshold, read: MetricReader): ThresholdOutcome {
  const actual = read(threshold);
  return { threshold, actual, pass: actual !== null && Number.isFinite(actual) && compare(actual, threshold.comparator, threshold.value) };
}

export function evaluateThresholds(thresholds: readonly Threshold[], read: MetricReader): ThresholdOutcome[] {
  return thresholds.map((t) => evaluateThreshold(t, read));
}

export function thresholdResult(o: ThresholdOutcome): ThresholdResult {
  return { expression: o.threshold.source, pass: o.pass, actual: o.actual };
}

/** One line per threshold: "✓ e2e.p95<2s  (actual 1.21 s)". */
export function describeOutcome(o: ThresholdOutcome): string {
  return `${o.pass ? '✓' : '✗'} ${o.threshold.source}  (actual ${formatMetric(o.actual, o.threshold.unit)})`;
}
