import { compare } from '../thresholds/threshold-evaluator.ts';
import type { Comparator } from '../thresholds/threshold-parser.ts';
import type { Expectation } from './experiment-expectations.ts';
import type { ExperimentResults } from './experiment-results.ts';

/** An experiment `expect:` line checked against one variant. */
export interface ExpectationResult {
  expression: string;
  variant: string | null;
  pass: boolean;
  /** The value compared (for change/diff: the interval's bound that decides). */
  actual: number | null;
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
