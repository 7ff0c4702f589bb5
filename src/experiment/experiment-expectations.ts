import { COMPARATORS, compare, type Comparator } from '../runner/threshold-expression.ts';
import { metricSpec, type MetricSpec } from './experiment-metrics.ts';
import type { ExperimentResults } from './experiment-results.ts';

/**
 * `expect:` in an experiment file, checked after the runs (exit 1 when one fails):
 *
 *   <metric>.<stat> <comparator> <number>
 *
 *   stat  mean p10 p50 p90   the variant's value over seeds (every variant)
 *         change             relative change from the baseline, as a fraction
 *         diff               absolute change from the baseline
 *   e.g.  escaped_defects.change < 0     review_rounds.avg.mean <= 2
 *         forecast.by_probability >= 0.7 (needs forecast.by)
 *
 * `change` and `diff` hold only when the whole 95 % interval does: a claim
 * is never made from a point estimate. They apply to every variant but the
 * baseline; the other stats to every variant.
 */
export const STATS = ['mean', 'p10', 'p50', 'p90', 'change', 'diff'] as const;
export type Stat = (typeof STATS)[number];

export type Expectation =
  | { source: string; kind: 'metric'; metric: MetricSpec; stat: Stat; comparator: Comparator; value: number }
  | { source: string; kind: 'forecast'; comparator: Comparator; value: number };

export interface ExpectationResult {
  expression: string;
  variant: string | null;
  pass: boolean;
  /** The value compared (for change/diff: the interval's bound that decides). */
  actual: number | null;
}

const FORM = /^\s*(\S+?)\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

export function parseExpectation(source: string): Expectation | string {
  const m = FORM.exec(source);
  if (!m) return `"${source}" is not an expectation; write <metric>.<stat> <comparator> <number>, e.g. escaped_defects.change < 0`;
  const [, left = '', comparator = '<', number = '0'] = m;
  if (!COMPARATORS.includes(comparator as Comparator)) return `unknown comparator ${comparator}`;
  const value = Number(number);
  if (left === 'forecast.by_probability') return { source, kind: 'forecast', comparator: comparator as Comparator, value };
  const dot = left.lastIndexOf('.');
  const stat = left.slice(dot + 1) as Stat;
  if (dot < 0 || !STATS.includes(stat)) return `"${left}" needs a statistic at the end: ${STATS.map((s) => `.${s}`).join(', ')} (or forecast.by_probability)`;
  const metric = metricSpec(left.slice(0, dot));
  if (typeof metric === 'string') return metric;
  return { source, kind: 'metric', metric, stat, comparator: comparator as Comparator, value };
}

export function evaluateExpectations(expectations: readonly Expectation[], results: ExperimentResults): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  for (const e of expectations) {
    if (e.kind === 'forecast') {
      for (const v of results.variants) {
        const p = v.forecast?.by?.probability ?? null;
        out.push({ expression: e.source, variant: v.label, actual: p, pass: p !== null && compare(p, e.comparator, e.value) });
      }
      continue;
    }
    for (const v of results.variants) {
      const m = v.metrics.find((x) => x.metric === e.metric.ref);
      if (e.stat === 'change' || e.stat === 'diff') {
        if (v.baseline) continue;
        const d = m?.difference;
        const ci = e.stat === 'change' ? d?.relativeCi : d?.ci;
        out.push({ expression: e.source, variant: v.label, ...intervalCheck(ci ?? null, e.comparator, e.value) });
      } else {
        const actual = m ? (e.stat === 'mean' ? m.description.mean : m.description[e.stat]) : null;
        out.push({ expression: e.source, variant: v.label, actual, pass: actual !== null && compare(actual, e.comparator, e.value) });
      }
    }
  }
  return out;
}

/** An interval satisfies `< x` when its upper bound does, `> x` when its lower bound does. */
function intervalCheck(ci: { low: number; high: number } | null, op: Comparator, x: number): { pass: boolean; actual: number | null } {
  if (!ci) return { pass: false, actual: null };
  if (op === '<' || op === '<=') return { pass: compare(ci.high, op, x), actual: ci.high };
  if (op === '>' || op === '>=') return { pass: compare(ci.low, op, x), actual: ci.low };
  const pass = op === '==' ? ci.low <= x && x <= ci.high : ci.low > x || ci.high < x;
  return { pass, actual: (ci.low + ci.high) / 2 };
}
