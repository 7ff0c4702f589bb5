import { percentile } from './percentile.ts';

/**
 * How a trend metric (one sample per task, per cycle, per job…) is read as
 * one number. Spellings: `avg` (or `mean`), `min`, `max`, `sum`, `count`,
 * `med` (= `p50`), `pN` or `p(N)` with 0 ≤ N ≤ 100 (`p95`, `p(99.9)`;
 * see percentile.ts for the definition).
 */
export type Aggregate = { kind: 'avg' | 'min' | 'max' | 'sum' | 'count' } | { kind: 'p'; percentile: number };

/** Named aggregates, each spelling with what it means. */
const NAMED: Record<string, Aggregate> = {
  avg: { kind: 'avg' },
  mean: { kind: 'avg' },
  min: { kind: 'min' },
  max: { kind: 'max' },
  sum: { kind: 'sum' },
  count: { kind: 'count' },
  med: { kind: 'p', percentile: 50 },
};

/** The spellings, for messages. */
export const AGGREGATE_SPELLINGS = 'avg (or mean), min, max, med, sum, count, pN or p(N) (e.g. p95, p(99.9))';

/** An aggregate from its spelling (`avg`, `p95`; `percentile` for the `p(N)` form); undefined when it is none. */
export function parseAggregate(text: string, percentile?: number): Aggregate | undefined {
  if (percentile !== undefined) return { kind: 'p', percentile };
  const named = Object.hasOwn(NAMED, text) ? NAMED[text] : undefined;
  if (named) return named;
  const m = /^p(\d+)$/.exec(text);
  return m ? { kind: 'p', percentile: Number(m[1]) } : undefined;
}

/** The canonical name: avg, min, max, sum, count, p50, p95, p(99.9). */
export function aggregateName(agg: Aggregate): string {
  if (agg.kind !== 'p') return agg.kind;
  return Number.isInteger(agg.percentile) ? `p${agg.percentile}` : `p(${agg.percentile})`;
}

/** A trend's aggregate over its samples; null when there are none (count: 0). */
export function aggregate(samples: readonly number[], agg: Aggregate): number | null {
  if (agg.kind === 'count') return samples.length;
  if (samples.length === 0) return null;
  // Summed in ascending order, so the same samples give the same bits in any order.
  const sorted = [...samples].sort((a, b) => a - b);
  switch (agg.kind) {
    case 'sum':
      return sorted.reduce((s, x) => s + x, 0);
    case 'avg':
      return sorted.reduce((s, x) => s + x, 0) / sorted.length;
    case 'min':
      return sorted[0]!;
    case 'max':
      return sorted[sorted.length - 1]!;
    case 'p':
      return percentile(sorted, agg.percentile);
  }
}
