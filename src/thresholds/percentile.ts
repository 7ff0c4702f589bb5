/**
 * The one percentile definition of the project, used by thresholds, the load
 * latency histograms, experiment summaries, forecasts and the dashboard:
 * linear interpolation between closest ranks (Hyndman & Fan type 7; the
 * default of k6, NumPy and R, Excel's PERCENTILE.INC).
 *
 * Over n samples sorted ascending, x[0] … x[n−1], pN sits at the position
 * h = N/100 · (n − 1) and is x[⌊h⌋] + (h − ⌊h⌋) · (x[⌈h⌉] − x[⌊h⌋]). So p0 is
 * the minimum, p100 the maximum and p50 the median (the mean of the middle
 * two for an even n): [1, 2, 3, 4] has p50 = 2.5 and p90 = 3.7; a single
 * sample is every percentile. No samples: no percentile (null).
 */
export interface PercentilePosition {
  /** 0-based index of the sample at or below the position. */
  lo: number;
  /** 0-based index of the sample at or above it (lo or lo + 1). */
  hi: number;
  /** How far between the two, 0..1. */
  fraction: number;
}

/** Where pN sits among n ≥ 1 sorted samples; p is clamped to 0..100. */
export function percentilePosition(p: number, n: number): PercentilePosition {
  const h = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(h);
  return { lo, hi: Math.min(n - 1, Math.ceil(h)), fraction: h - lo };
}

/** pN of samples sorted ascending; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const { lo, hi, fraction } = percentilePosition(p, sorted.length);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return fraction === 0 ? a : a + (b - a) * fraction;
}

/** pN of samples in any order (sorted on a copy). */
export function percentileOf(samples: readonly number[], p: number): number | null {
  return percentile(
    [...samples].sort((a, b) => a - b),
    p,
  );
}
