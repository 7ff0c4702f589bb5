/**
 * PROBE method selection with Process Dashboard's wizard rating
 * (tool/probe/wizard: ProbeMethod, RegressionMethod, AveragingMethod,
 * SizeMethodPurpose/TimeMethodPurpose, TimePage), reproduced step by step:
 *
 * - every method starts at 5 (the value of method D);
 * - regression (A, B): n < 3 or a non-finite β/r²/significance → −100;
 *   then the β1 check and the β0 check (both run), then, only if the rating
 *   is still positive, the r² and significance adjustments;
 * - β1 check: ratio = β1 / expected β1 (size 1.0, max 2; time
 *   1/productivity, max 1.5); ratio > max or < 0.5 → −10, else
 *   += 1 − 2|log₂ ratio|;
 * - β0 check: |β0 / projection| > 0.5 → −10, else += 0.25 − |β0/projection|;
 * - r² > 0.9 → +2, > 0.7 → +1, > 0.5 → 0, else −10; significance ≤ 0.05
 *   → +0.5, ≤ 0.12 → +0.2, ≤ 0.20 → 0, else −0.5;
 * - averaging (C…): β0 = 0, β1 = Σy/Σx, only the β1 check; time C3 is set
 *   to 5.00001 when its rating is positive;
 * - D scores 5. Ranking is by score, best first (stable: A, B, C…, D on ties);
 *   a negative score cannot be selected, so the best is chosen.
 *
 * Like PD, the historical points used for a pair (x, y) are those where both
 * are finite and non-zero, and every method projects from E (PD's strict
 * time methods). Scores do not depend on the time unit (hours or minutes).
 *
 * Size methods here are A (E → actual size), B (plan → actual size),
 * C (the PSP's averaging: β1 = Σ actual / Σ plan, PD's C2; when no task has
 * a plan size it averages over E instead, PD's C1) and D (judgment: E).
 * Time methods are A (E → minutes), B (plan → minutes), C1 (Σmin/ΣE),
 * C2 (Σmin/Σplan), C3 (Σmin/Σactual = 1/productivity) and D (judgment:
 * E at `judgmentProductivity` LOC/hour).
 */
import { pairKey, perHistoryValue, sharedDataPoints, type HistoryRow, type Purpose, type XVariable } from './history-data.ts';
import { linearRegression, type RegressionResult } from './linear-regression.ts';

export const CANNOT_CALCULATE = -100;
export const SERIOUS_PROBLEM = -10;
export const METHOD_D_RATING = 5;
export const METHOD_C3_RATING = 5.00001;

export interface MethodCandidate {
  method: string;
  purpose: Purpose;
  kind: 'regression' | 'averaging' | 'judgment';
  /** Historical x of the fit (the projection input is always E). */
  x: XVariable | null;
  score: number;
  usable: boolean;
  reason: string;
  projected: number | null;
  beta0: number | null;
  beta1: number | null;
  /** Expected β1 the check compared with, and the ratio. */
  expectedBeta1: number | null;
  beta1Ratio: number | null;
  r2: number | null;
  significance: number | null;
  n: number;
  regression: RegressionResult | null;
  observations: string[];
  problems: string[];
}

export interface SelectionContext {
  history: readonly HistoryRow[];
  /** E for the new task. */
  proxySize: number;
  /** Historical productivity in LOC per minute (null if unknown). */
  productivityPerMinute: number | null;
}

const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : String(v));

function expectedBeta1(purpose: Purpose, ctx: SelectionContext): number | null {
  if (purpose === 'size') return 1;
  return ctx.productivityPerMinute === null ? null : 1 / ctx.productivityPerMinute;
}

function newCandidate(method: string, purpose: Purpose, kind: MethodCandidate['kind'], x: XVariable | null): MethodCandidate {
  return {
    method,
    purpose,
    kind,
    x,
    score: METHOD_D_RATING,
    usable: false,
    reason: '',
    projected: null,
    beta0: null,
    beta1: null,
    expectedBeta1: null,
    beta1Ratio: null,
    r2: null,
    significance: null,
    n: 0,
    regression: null,
    observations: [],
    problems: [],
  };
}

function betaLabel(purpose: Purpose): string {
  return purpose === 'size' ? 'β1' : 'β1 (minutes per LOC)';
}

/** AveragingMethod.rateBeta1. */
function rateBeta1(c: MethodCandidate, ctx: SelectionContext): void {
  const expected = expectedBeta1(c.purpose, ctx);
  const maxRatio = c.purpose === 'size' ? 2 : 1.5;
  const ratio = expected === null || c.beta1 === null ? Number.NaN : c.beta1 / expected;
  c.expectedBeta1 = expected;
  if (!Number.isFinite(ratio)) {
    c.score = CANNOT_CALCULATE;
    c.problems.push(expected === null ? 'not enough data: historical productivity is unknown' : 'not enough data: β1 cannot be calculated');
    return;
  }
  c.beta1Ratio = ratio;
  const what = c.purpose === 'size' ? 'the expected 1.0' : `1/productivity = ${fmt(expected as number)} minutes per LOC`;
  if (ratio > maxRatio || ratio < 0.5) {
    c.score = SERIOUS_PROBLEM;
    c.problems.push(`${betaLabel(c.purpose)} = ${fmt(c.beta1 as number)} is ${fmt(ratio, 3)}× ${what} (allowed 0.5 to ${maxRatio})`);
  } else {
    c.score += 1 - 2 * Math.abs(Math.log(ratio) / Math.log(2));
    c.observations.push(`${betaLabel(c.purpose)} = ${fmt(c.beta1 as number)} is ${fmt(ratio, 3)}× ${what}`);
  }
}

/** RegressionMethod.rateBeta0. */
function rateBeta0(c: MethodCandidate): void {
  const percent = Math.abs((c.beta0 as number) / (c.projected as number));
  if (Number.isNaN(percent)) {
    c.score = CANNOT_CALCULATE;
    c.problems.push('β0/projection is undefined (projection 0 and β0 0)');
  } else if (percent > 0.5) {
    c.score = SERIOUS_PROBLEM;
    c.problems.push(`β0 = ${fmt(c.beta0 as number)} is ${fmt(percent * 100, 3)} % of the projection ${fmt(c.projected as number)} (must be at most 50 %)`);
  } else {
    c.score += 0.25 - percent;
    c.observations.push(`β0 = ${fmt(c.beta0 as number)} is ${fmt(percent * 100, 3)} % of the projection`);
  }
}

/** RegressionMethod.rateCorrelation. */
function rateCorrelation(c: MethodCandidate): void {
  const r2 = c.r2 as number;
  const sig = c.significance as number;
  if (r2 > 0.9) {
    c.score += 2;
    c.observations.push(`r² = ${fmt(r2)}: excellent (predictive)`);
  } else if (r2 > 0.7) {
    c.score += 1;
    c.observations.push(`r² = ${fmt(r2)}: strong`);
  } else if (r2 > 0.5) c.observations.push(`r² = ${fmt(r2)}: adequate, use with caution`);
  else {
    c.score = SERIOUS_PROBLEM;
    c.problems.push(`r² = ${fmt(r2)} <= 0.5: correlation inadequate for planning`);
  }
  if (sig <= 0.05) {
    c.score += 0.5;
    c.observations.push(`significance ${fmt(sig, 3)} <= 0.05: good`);
  } else if (sig <= 0.12) {
    c.score += 0.2;
    c.observations.push(`significance ${fmt(sig, 3)} <= 0.12: probable`);
  } else if (sig <= 0.2) c.observations.push(`significance ${fmt(sig, 3)} <= 0.20: likely`);
  else {
    c.score -= 0.5;
    c.observations.push(`significance ${fmt(sig, 3)} > 0.20: questionable`);
  }
}

export function rateRegressionMethod(method: string, purpose: Purpose, x: XVariable, ctx: SelectionContext): MethodCandidate {
  const c = newCandidate(method, purpose, 'regression', x);
  // The fit depends on the history alone: once per history array (the result is shared, read-only).
  const reg = perHistoryValue(ctx.history, pairKey('regression', x, purpose), (h) => {
    const { xs, ys } = sharedDataPoints(h, x, purpose);
    return linearRegression(xs, ys);
  });
  c.regression = reg;
  c.n = reg.n;
  c.beta0 = reg.beta0;
  c.beta1 = reg.beta1;
  c.r2 = reg.r2;
  c.significance = reg.significance;
  if (reg.beta0 !== null && reg.beta1 !== null) c.projected = reg.beta0 + reg.beta1 * ctx.proxySize;
  if (reg.n < 3 || c.beta0 === null || c.beta1 === null || c.r2 === null || c.significance === null) {
    c.score = CANNOT_CALCULATE;
    c.problems.push(`not enough data: ${reg.n} usable point${reg.n === 1 ? '' : 's'}${reg.reason ? ` (${reg.reason})` : ''}`);
    return c;
  }
  rateBeta1(c, ctx);
  if (c.score > CANNOT_CALCULATE) rateBeta0(c);
  if (c.score > 0) rateCorrelation(c);
  return c;
}

export function rateAveragingMethod(method: string, purpose: Purpose, x: XVariable, ctx: SelectionContext): MethodCandidate {
  const c = newCandidate(method, purpose, 'averaging', x);
  const { n, xSum, ySum } = perHistoryValue(ctx.history, pairKey('sums', x, purpose), (h) => {
    const { xs, ys } = sharedDataPoints(h, x, purpose);
    return { n: xs.length, xSum: xs.reduce((s, v) => s + v, 0), ySum: ys.reduce((s, v) => s + v, 0) };
  });
  c.n = n;
  if (n === 0 || xSum === 0) {
    c.score = CANNOT_CALCULATE;
    c.problems.push(`not enough data: ${n} usable points`);
    return c;
  }
  c.beta0 = 0;
  c.beta1 = ySum / xSum;
  c.projected = c.beta1 * ctx.proxySize;
  rateBeta1(c, ctx);
  if (method === 'C3' && c.score > 0) {
    c.score = METHOD_C3_RATING;
    c.observations.length = 0;
    c.observations.push(`historical productivity ${fmt(60 / c.beta1)} LOC/hour applied to E`);
  }
  return c;
}

export function judgmentMethod(purpose: Purpose, ctx: SelectionContext, judgmentProductivity: number): MethodCandidate {
  const c = newCandidate('D', purpose, 'judgment', null);
  c.beta0 = 0;
  c.beta1 = purpose === 'size' ? 1 : 60 / judgmentProductivity;
  c.projected = c.beta1 * ctx.proxySize;
  c.observations.push(purpose === 'size' ? 'judgment: the size estimate is E itself' : `judgment: E at ${fmt(judgmentProductivity)} LOC/hour`);
  return c;
}

/** Sorts best first (stable) and fills in usable/reason. */
export function rankCandidates(candidates: readonly MethodCandidate[]): MethodCandidate[] {
  const ranked = candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.score - a.c.score || a.i - b.i)
    .map(({ c }) => c);
  const best = ranked[0];
  ranked.forEach((c, index) => {
    c.usable = c.score >= 0;
    const score = c.score.toFixed(2);
    if (!c.usable) {
      const kind = c.score <= CANNOT_CALCULATE ? 'cannot be calculated' : 'rejected (do not use)';
      c.reason = `${kind}, score ${score}: ${c.problems.join('; ')}`;
    } else if (index === 0) {
      c.reason = `chosen: highest score ${score} of ${ranked.length} methods; ${c.observations.join('; ')}`;
    } else {
      c.reason = `usable, score ${score}, ranked below ${best?.method ?? '?'} (${best?.score.toFixed(2) ?? '?'}); ${c.observations.join('; ')}`;
    }
  });
  return ranked;
}

export function sizeCandidates(ctx: SelectionContext): MethodCandidate[] {
  const hasPlan = perHistoryValue(ctx.history, 'hasPlan', (history) => history.some((h) => h.planSize !== undefined && Number.isFinite(h.planSize) && h.planSize !== 0));
  const c = rateAveragingMethod('C', 'size', hasPlan ? 'plan' : 'E', ctx);
  if (!hasPlan) c.observations.push('no planned sizes in the history: averaging over E instead of plan');
  return rankCandidates([rateRegressionMethod('A', 'size', 'E', ctx), rateRegressionMethod('B', 'size', 'plan', ctx), c, judgmentMethod('size', ctx, 1)]);
}

export function timeCandidates(ctx: SelectionContext, judgmentProductivity: number): MethodCandidate[] {
  return rankCandidates([
    rateRegressionMethod('A', 'time', 'E', ctx),
    rateRegressionMethod('B', 'time', 'plan', ctx),
    rateAveragingMethod('C1', 'time', 'E', ctx),
    rateAveragingMethod('C2', 'time', 'plan', ctx),
    rateAveragingMethod('C3', 'time', 'actualSize', ctx),
    judgmentMethod('time', ctx, judgmentProductivity),
  ]);
}
