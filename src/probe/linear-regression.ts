/**
 * Linear regression, correlation and prediction intervals (PSP Programs
 * 3, 4A/7 and 6A; Process Dashboard util/LinearRegression.java and
 * util/Correlation.java).
 *
 * β1 = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)² and r = Σ(x−x̄)(y−ȳ)/√(Σ(x−x̄)²Σ(y−ȳ)²) are the
 * PSP formulas (β1 = (Σxy − n·x̄·ȳ)/(Σx² − n·x̄²), …) rearranged into the
 * centred two-pass form, which is algebraically identical and does not
 * lose digits to cancellation.
 *
 * Non-computable values are `null` with a `reason`, never NaN:
 * - n ≤ 2: σ, r, r², significance and intervals are null (β0/β1 are still
 *   given for n = 2 with distinct x; PD reports p = 1 and Range NaN here).
 * - zero variance in x: β0, β1, r, σ are null (the line is undefined).
 * - zero variance in y: r, r², significance are null (0/0); β1 = 0,
 *   σ = 0 and the intervals have Range 0.
 * - r = ±1: significance 0 (PD: p = 0 when r ≥ 1), tStatistic null
 *   (it is infinite); σ = 0 so Range = 0, i.e. the intervals collapse.
 */
import { AspError } from '../errors.ts';
import { assertFiniteNumbers, mean } from './statistics.ts';
import { tForInterval, tTwoTailedSignificance } from './t-distribution.ts';

export interface RegressionResult {
  n: number;
  /** True when β0, β1 and σ exist, so projections with intervals can be made. */
  computable: boolean;
  /** Why some fields are null (null when everything was computed). */
  reason: string | null;
  xMean: number | null;
  yMean: number | null;
  /** Σ(xᵢ − x̄)². */
  sumSqDevX: number | null;
  beta0: number | null;
  beta1: number | null;
  r: number | null;
  r2: number | null;
  /** t = |r|·√(n−2)/√(1−r²); null when n ≤ 2 or |r| = 1 (infinite). */
  tStatistic: number | null;
  /** Two-tailed tail area 1 − 2p. */
  significance: number | null;
  /** σ = √(Σ(yᵢ − β0 − β1xᵢ)²/(n−2)). */
  sigma: number | null;
}

export interface PredictionInterval {
  /** Interval percent, e.g. 70. */
  percent: number;
  /** t(p, n−2). */
  t: number;
  range: number;
  upi: number;
  /** max(0, rawLpi), as Process Dashboard stores it. */
  lpi: number;
  rawLpi: number;
}

export interface RegressionProjection {
  xk: number;
  yk: number | null;
  intervals: PredictionInterval[];
  reason: string | null;
}

export const DEFAULT_INTERVAL_PERCENTS: readonly number[] = [70, 90];

/** A sum of squares this small relative to the data's magnitude means "no variance". */
function isNegligibleSpread(sumSq: number, values: readonly number[]): boolean {
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const unit = maxAbs * 1e-13;
  return sumSq <= values.length * unit * unit;
}

export function linearRegression(x: readonly number[], y: readonly number[]): RegressionResult {
  if (x.length !== y.length) {
    throw new AspError('PROBE_INPUT', `x has ${x.length} values but y has ${y.length}`, {
      hint: 'give one y for every x',
      exitCode: 2,
    });
  }
  assertFiniteNumbers(x, 'x');
  assertFiniteNumbers(y, 'y');
  const n = x.length;
  const result: RegressionResult = {
    n,
    computable: false,
    reason: null,
    xMean: null,
    yMean: null,
    sumSqDevX: null,
    beta0: null,
    beta1: null,
    r: null,
    r2: null,
    tStatistic: null,
    significance: null,
    sigma: null,
  };
  const reasons: string[] = [];
  const xMean = mean(x);
  const yMean = mean(y);
  if (xMean === null || yMean === null) {
    result.reason = 'n = 0: no data points';
    return result;
  }
  result.xMean = xMean;
  result.yMean = yMean;

  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - xMean;
    const dy = (y[i] as number) - yMean;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const zeroX = isNegligibleSpread(sxx, x);
  const zeroY = isNegligibleSpread(syy, y);
  result.sumSqDevX = zeroX ? 0 : sxx;
  if (n <= 2) reasons.push(`n = ${n} <= 2: at least 3 points are needed for r, significance, sigma and intervals`);

  if (zeroX) {
    reasons.push('zero variance in x: every x is the same, so the regression line is undefined');
    result.reason = reasons.join('; ');
    return result;
  }
  const beta1 = zeroY ? 0 : sxy / sxx;
  const beta0 = yMean - beta1 * xMean;
  result.beta1 = beta1;
  result.beta0 = beta0;
  if (n <= 2) {
    result.reason = reasons.join('; ');
    return result;
  }

  let sse = 0;
  for (let i = 0; i < n; i++) {
    const e = (y[i] as number) - beta0 - beta1 * (x[i] as number);
    sse += e * e;
  }
  result.sigma = zeroY ? 0 : Math.sqrt(sse / (n - 2));
  result.computable = true;

  if (zeroY) {
    reasons.push('zero variance in y: r is undefined (0/0); the fit is exact, so sigma = 0 and Range = 0');
  } else {
    const r = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
    result.r = r;
    result.r2 = r * r;
    const oneMinus = 1 - r * r;
    if (oneMinus <= 0) {
      result.significance = 0;
      result.sigma = 0;
      reasons.push('|r| = 1: perfect correlation, t is infinite, significance 0 and Range 0');
    } else {
      const t = (Math.abs(r) * Math.sqrt(n - 2)) / Math.sqrt(oneMinus);
      result.tStatistic = t;
      result.significance = tTwoTailedSignificance(t, n - 2);
    }
  }
  result.reason = reasons.length > 0 ? reasons.join('; ') : null;
  return result;
}

function assertPercents(percents: readonly number[]): void {
  for (const p of percents) {
    if (typeof p !== 'number' || !(p > 0 && p < 100)) {
      throw new AspError('PROBE_INPUT', `interval percent ${String(p)} is out of range; expected a number between 0 and 100`, {
        hint: 'use 70 for a 70 % prediction interval',
        exitCode: 2,
      });
    }
  }
}

/**
 * Range = t(p, n−2)·σ·√(1 + 1/n + (x_k − x̄)²/Σ(xᵢ − x̄)²);
 * null when the regression is not computable.
 */
export function predictionRange(reg: RegressionResult, xk: number, percent: number): number | null {
  assertPercents([percent]);
  if (!reg.computable || reg.sigma === null || reg.xMean === null || !reg.sumSqDevX) return null;
  if (reg.sigma === 0) return 0;
  const t = tForInterval(percent, reg.n - 2);
  const dx = xk - reg.xMean;
  return t * reg.sigma * Math.sqrt(1 + 1 / reg.n + (dx * dx) / reg.sumSqDevX);
}

/** y_k = β0 + β1·x_k with UPI/LPI at each percent (default 70 and 90). */
export function projectRegression(reg: RegressionResult, xk: number, percents: readonly number[] = DEFAULT_INTERVAL_PERCENTS): RegressionProjection {
  if (!Number.isFinite(xk)) {
    throw new AspError('PROBE_INPUT', `x_k is ${String(xk)}, expected a finite number`, { exitCode: 2 });
  }
  assertPercents(percents);
  if (reg.beta0 === null || reg.beta1 === null) {
    return { xk, yk: null, intervals: [], reason: reg.reason ?? 'regression not computable' };
  }
  const yk = reg.beta0 + reg.beta1 * xk;
  if (!reg.computable) return { xk, yk, intervals: [], reason: reg.reason ?? 'intervals not computable' };
  const intervals: PredictionInterval[] = [];
  for (const percent of percents) {
    const range = predictionRange(reg, xk, percent) ?? 0;
    const t = tForInterval(percent, reg.n - 2);
    const rawLpi = yk - range;
    intervals.push({ percent, t, range, upi: yk + range, lpi: Math.max(0, rawLpi), rawLpi });
  }
  return { xk, yk, intervals, reason: null };
}
