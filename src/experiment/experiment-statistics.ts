import { mean, sampleStdDev, tForInterval } from '../probe/index.ts';
import { percentile } from '../thresholds/percentile.ts';

/**
 * The statistics of an experiment: per variant and metric a description
 * of the sample over seeds, and each variant's paired difference from the
 * baseline (common random numbers: the same seeds run in every variant,
 * so the difference is taken seed by seed). Intervals use Student's t
 * (src/probe/t-distribution.ts) with n − 1 degrees of freedom.
 */
export const CONFIDENCE = 95;

export interface Interval {
  low: number;
  high: number;
}

export interface Description {
  /** Seeds with a value (a metric can be undefined in a run, e.g. no estimates). */
  n: number;
  mean: number | null;
  sd: number | null;
  p10: number | null;
  p50: number | null;
  p90: number | null;
  /** 95 % confidence interval of the mean; null when n < 2. */
  ci: Interval | null;
}

export interface Difference {
  /** Seeds where both the variant and the baseline have a value. */
  n: number;
  /** Mean of the per-seed differences (variant − baseline). */
  mean: number | null;
  ci: Interval | null;
  /** Relative to the baseline's mean over the same seeds; null when that mean is 0. */
  relative: number | null;
  /** The interval of the difference divided by the baseline's mean. */
  relativeCi: Interval | null;
  /** True when the interval excludes zero: only then is a direction claimed. */
  significant: boolean;
}

const halfWidth = (sd: number, n: number) => tForInterval(CONFIDENCE, n - 1) * (sd / Math.sqrt(n));

export function describe(values: ReadonlyArray<number | null>): Description {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const sorted = [...xs].sort((a, b) => a - b);
  const m = mean(xs);
  const sd = sampleStdDev(xs);
  const ci = m !== null && sd !== null ? interval(m, halfWidth(sd, xs.length)) : null;
  return { n: xs.length, mean: m, sd, p10: percentile(sorted, 10), p50: percentile(sorted, 50), p90: percentile(sorted, 90), ci };
}

/** Paired difference of `variant` from `baseline`; entries at the same index belong to the same seed. */
export function pairedDifference(variant: ReadonlyArray<number | null>, baseline: ReadonlyArray<number | null>): Difference {
  const pairs: Array<[number, number]> = [];
  variant.forEach((v, i) => {
    const b = baseline[i];
    if (v !== null && b !== null && b !== undefined && Number.isFinite(v) && Number.isFinite(b)) pairs.push([v, b]);
  });
  const n = pairs.length;
  const d = pairs.map(([v, b]) => v - b);
  const dMean = mean(d);
  const bMean = mean(pairs.map(([, b]) => b));
  const dSd = sampleStdDev(d);
  const ci = dMean !== null && dSd !== null ? interval(dMean, halfWidth(dSd, n)) : null;
  const relative = dMean !== null && bMean ? dMean / bMean : null;
  // Relative to the baseline's mean over the same seeds: the same interval scaled, so both say the same.
  const relativeCi = ci && bMean ? ordered(ci.low / bMean, ci.high / bMean) : null;
  const excludesZero = (i: Interval | null) => i !== null && (i.low > 0 || i.high < 0);
  const significant = excludesZero(ci);
  return { n, mean: dMean, ci, relative, relativeCi, significant };
}

function ordered(a: number, b: number): Interval {
  return a <= b ? { low: a, high: b } : { low: b, high: a };
}

function interval(centre: number, half: number): Interval {
  return { low: centre - half, high: centre + half };
}

/** −41 %, +3.2 %, 0 % */
export function formatPercent(x: number): string {
  const p = x * 100;
  const digits = Math.abs(p) >= 10 || p === 0 ? 0 : 1;
  const text = Math.abs(p).toFixed(digits);
  if (Number(text) === 0) return '0 %';
  return `${p < 0 ? '−' : '+'}${text} %`;
}

/** A number with its sign, for absolute differences: −1.4, +0.25 */
export function formatSigned(x: number): string {
  const abs = Math.abs(x);
  const text = abs >= 100 ? abs.toFixed(0) : abs >= 10 ? abs.toFixed(1) : abs >= 1 ? abs.toFixed(2) : abs.toPrecision(2);
  if (Number(text) === 0) return '0';
  return `${x < 0 ? '−' : '+'}${text}`;
}

/**
 * The sentence a reader gets: "escaped defects −41 % (95 % CI −52 % to −30 %), n = 30"
 * or, when the interval includes zero, "no clear difference in escaped defects (…)".
 */
export function differenceSentence(label: string, diff: Difference): string {
  if (diff.mean === null || diff.ci === null) return `${label}: too few paired seeds for an interval (n = ${diff.n})`;
  const useRelative = diff.relative !== null && diff.relativeCi !== null;
  const figure = useRelative
    ? `${formatPercent(diff.relative!)} (${CONFIDENCE} % CI ${formatPercent(diff.relativeCi!.low)} to ${formatPercent(diff.relativeCi!.high)})`
    : `${formatSigned(diff.mean)} (${CONFIDENCE} % CI ${formatSigned(diff.ci.low)} to ${formatSigned(diff.ci.high)})`;
  const sample = `n = ${diff.n} paired seeds`;
  if (!diff.significant) return `no clear difference in ${label}: ${figure}, the interval includes zero; ${sample}`;
  return `${label} ${figure}; ${sample}`;
}
