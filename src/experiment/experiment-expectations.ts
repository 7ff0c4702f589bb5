import { isAspError } from '../errors.ts';
import { runMetricCatalogue } from '../runner/run-metrics.ts';
import type { MetricUnit } from '../thresholds/metric-units.ts';
import { boundValue, parseComparison, resolveMetric, thresholdProblem, THRESHOLD_FORM, type Comparator } from '../thresholds/threshold-parser.ts';
import { metricSpec, type MetricSpec } from './experiment-metrics.ts';

/**
 * `expect:` in an experiment file, checked after the runs (exit 1 when one fails).
 * The threshold language of README.md ("Thresholds") with a statistic over
 * the seeds at the end of the metric:
 *
 *   <metric>.<stat> <comparator> <number>[<unit>]
 *
 *   stat  mean p10 p50 p90   the variant's value over seeds (every variant)
 *         change             relative change from the baseline, as a fraction (or %)
 *         diff               absolute change from the baseline, in the metric's unit
 *   e.g.  escaped_defects.change < 0     review_rounds.avg.mean <= 2
 *         cycle_hours.avg.change < -10%  forecast.by_probability >= 70% (needs forecast.by)
 *
 * `change` and `diff` hold only when the whole 95 % interval does: a claim
 * is never made from a point estimate. They apply to every variant but the
 * baseline; the other stats to every variant. Evaluation: expectation-results.ts.
 */
export const STATS = ['mean', 'p10', 'p50', 'p90', 'change', 'diff'] as const;
export type Stat = (typeof STATS)[number];

export type Expectation =
  { source: string; kind: 'metric'; metric: MetricSpec; stat: Stat; comparator: Comparator; value: number } | { source: string; kind: 'forecast'; comparator: Comparator; value: number };

const FORM = `${THRESHOLD_FORM.replace('[.<aggregate>]', '[.<aggregate>].<stat>')}, e.g. escaped_defects.change < 0`;

/** Parses one expectation; a message (for the loader's file:line:col list) when it is not one. */
export function parseExpectation(source: string): Expectation | string {
  try {
    const c = parseComparison(source, runMetricCatalogue);
    const path = c.segments.map((s) => s.text).join('.');
    if (path === 'forecast.by_probability') return { source, kind: 'forecast', comparator: c.comparator, value: boundValue(c, { kind: 'ratio' }, path) };
    const last = c.segments[c.segments.length - 1]!;
    const stat = STATS.find((s) => s === last.text);
    if (c.segments.length < 2 || !stat) return `"${path}" needs a statistic at the end: ${STATS.map((s) => `.${s}`).join(', ')} (or forecast.by_probability); write ${FORM}`;
    const { info } = resolveMetric(c.source, c.segments.slice(0, -1), runMetricCatalogue);
    const metric = metricSpec(path.slice(0, path.length - last.text.length - 1));
    if (typeof metric === 'string') return metric;
    const unit: MetricUnit = stat === 'change' ? { kind: 'ratio' } : { kind: info.kind, ...(info.base ? { base: info.base } : {}) };
    return { source, kind: 'metric', metric, stat, comparator: c.comparator, value: boundValue(c, unit, path) };
  } catch (err) {
    if (isAspError(err)) return thresholdProblem(err);
    throw err;
  }
}
