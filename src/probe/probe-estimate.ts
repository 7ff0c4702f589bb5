/**
 * The PROBE entry point the workflow calls: picks the size and time
 * methods with Process Dashboard's rating (method-selection.ts), projects
 * from E, and computes prediction intervals for regression methods
 * (PROBE script step 6). For non-regression time methods it gives the
 * minimum and maximum time from the historical maximum and minimum
 * productivity instead (`productivityRange`).
 *
 * Units: sizes in LOC, times in minutes (β1 for time is minutes per LOC).
 *
 * The result shapes are type aliases (not interfaces) so they are assignable
 * to index-signature types such as zod's passthrough objects.
 */
import { AspError } from '../errors.ts';
import { DEFAULT_INTERVAL_PERCENTS, projectRegression } from './linear-regression.ts';
import { historicalProductivityPerMinute, perHistoryValue, sharedDataPoints } from './history-data.ts';
import { sizeCandidates, timeCandidates, type MethodCandidate, type SelectionContext } from './method-selection.ts';

export interface ProbeHistoryPoint {
  /** E: estimated proxy size of a past task. */
  proxySize: number;
  /** Planned added & modified size (P) of that task, if known. */
  planSize?: number;
  /** Actual added & modified LOC. */
  actualSize: number;
  /** Actual development time in minutes. */
  actualMinutes: number;
}

export interface ProbeRequest {
  history: readonly ProbeHistoryPoint[];
  /** E for the new task. */
  proxySize: number;
  /** Default [70, 90]. */
  intervalPercents?: readonly number[];
  /** LOC per hour used by time method D when nothing else works (default 10). */
  judgmentProductivity?: number;
}

export type ProbeInterval = {
  percent: number;
  range: number;
  /** max(0, rawLpi), as PD stores it. */
  lpi: number;
  upi: number;
  rawLpi: number;
};

export type ProbeCandidateSummary = {
  method: string;
  score: number;
  usable: boolean;
  reason: string;
  projected: number | null;
  beta0: number | null;
  beta1: number | null;
  r2: number | null;
  significance: number | null;
  n: number;
};

export type ProbeProjection = {
  /** 'A' | 'B' | 'C' | 'D' for size; 'A' | 'B' | 'C1' | 'C2' | 'C3' | 'D' for time. */
  method: string;
  /** Size in LOC, time in minutes. */
  projected: number;
  beta0: number;
  beta1: number;
  r2: number | null;
  significance: number | null;
  n: number;
  /** Prediction intervals; empty unless a regression method (A/B) was chosen. */
  intervals: ProbeInterval[];
  /** Time only, non-regression methods: min/max minutes from the historical max/min productivity. */
  productivityRange?: { min: number; max: number };
  rationale: string;
  /** Every method considered, best first. */
  candidates: ProbeCandidateSummary[];
};

export type ProbeEstimate = {
  proxySize: number;
  size: ProbeProjection;
  time: ProbeProjection;
  /** Σ actual LOC / Σ actual hours of the history; null when unknown. */
  productivityLocPerHour: number | null;
};

export const DEFAULT_JUDGMENT_PRODUCTIVITY = 10;

function inputError(message: string, hint?: string): AspError {
  return new AspError('PROBE_INPUT', message, { exitCode: 2, ...(hint === undefined ? {} : { hint }) });
}

function validate(request: ProbeRequest): void {
  if (!Number.isFinite(request.proxySize) || request.proxySize < 0) {
    throw inputError(`proxySize (E) is ${String(request.proxySize)}, expected a non-negative number`);
  }
  if (!Array.isArray(request.history)) throw inputError('history must be an array of points');
  // A history array found valid is not checked again (every estimate of a cycle carries the same one).
  perHistoryValue(request.history, 'valid', validateHistory);
  for (const percent of request.intervalPercents ?? []) {
    if (typeof percent !== 'number' || !(percent > 0 && percent < 100)) {
      throw inputError(`interval percent ${String(percent)} is out of range; expected a number between 0 and 100`, 'use 70 for 70 %');
    }
  }
  const jp = request.judgmentProductivity;
  if (jp !== undefined && (!Number.isFinite(jp) || jp <= 0)) {
    throw inputError(`judgmentProductivity is ${String(jp)}, expected a positive number of LOC per hour`);
  }
}

/** Throws on the first bad point; true when every point is valid. */
function validateHistory(history: ProbeRequest['history']): true {
  history.forEach((p, i) => {
    for (const key of ['proxySize', 'actualSize', 'actualMinutes'] as const) {
      const v = p[key];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw inputError(`history[${i}].${key} is ${String(v)}, expected a non-negative number`);
      }
    }
    if (p.planSize !== undefined && (typeof p.planSize !== 'number' || !Number.isFinite(p.planSize) || p.planSize < 0)) {
      throw inputError(`history[${i}].planSize is ${String(p.planSize)}, expected a non-negative number or nothing`);
    }
  });
  return true;
}

function summary(c: MethodCandidate): ProbeCandidateSummary {
  return {
    method: c.method,
    score: c.score,
    usable: c.usable,
    reason: c.reason,
    projected: c.projected,
    beta0: c.beta0,
    beta1: c.beta1,
    r2: c.r2,
    significance: c.significance,
    n: c.n,
  };
}

function toProjection(ranked: MethodCandidate[], proxySize: number, percents: readonly number[]): ProbeProjection {
  // D always scores 5, so the best candidate is always usable.
  const chosen = ranked[0] as MethodCandidate;
  let intervals: ProbeInterval[] = [];
  if (chosen.kind === 'regression' && chosen.regression) {
    intervals = projectRegression(chosen.regression, proxySize, percents).intervals.map((i) => ({
      percent: i.percent,
      range: i.range,
      lpi: i.lpi,
      upi: i.upi,
      rawLpi: i.rawLpi,
    }));
  }
  return {
    method: chosen.method,
    projected: chosen.projected ?? 0,
    beta0: chosen.beta0 ?? 0,
    beta1: chosen.beta1 ?? 0,
    r2: chosen.r2,
    significance: chosen.significance,
    n: chosen.n,
    intervals,
    rationale: `method ${chosen.method} ${chosen.reason}`,
    candidates: ranked.map(summary),
  };
}

/** Min/max minutes for `size` LOC from the per-task max/min productivity of the history. */
export function productivityTimeRange(history: readonly ProbeHistoryPoint[], size: number): { min: number; max: number } | null {
  const extremes = perHistoryValue(history, 'productivityExtremes', (h) => {
    const { xs, ys } = sharedDataPoints(h, 'actualSize', 'time');
    const rates = xs.map((loc, i) => loc / (ys[i] as number)).filter((r) => Number.isFinite(r) && r > 0);
    return rates.length === 0 ? null : { fastest: Math.max(...rates), slowest: Math.min(...rates) };
  });
  if (extremes === null) return null;
  const { fastest, slowest } = extremes;
  const s = Math.max(0, size);
  return { min: s / fastest, max: s / slowest };
}

export function estimateWithProbe(request: ProbeRequest): ProbeEstimate {
  validate(request);
  const percents = request.intervalPercents ?? DEFAULT_INTERVAL_PERCENTS;
  const judgment = request.judgmentProductivity ?? DEFAULT_JUDGMENT_PRODUCTIVITY;
  const productivityPerMinute = historicalProductivityPerMinute(request.history);
  const ctx: SelectionContext = { history: request.history, proxySize: request.proxySize, productivityPerMinute };

  const size = toProjection(sizeCandidates(ctx), request.proxySize, percents);
  const time = toProjection(timeCandidates(ctx, judgment), request.proxySize, percents);
  if (time.intervals.length === 0) {
    const range = productivityTimeRange(request.history, size.projected);
    if (range) {
      time.productivityRange = range;
      time.rationale += `; no prediction interval for method ${time.method}: min/max time for the projected size ${size.projected.toFixed(1)} LOC from the historical max/min productivity`;
    } else {
      time.rationale += '; no prediction interval and no historical productivity for a min/max time';
    }
  }
  if (size.intervals.length === 0) size.rationale += `; no prediction interval for method ${size.method}`;
  return {
    proxySize: request.proxySize,
    size,
    time,
    productivityLocPerHour: productivityPerMinute === null ? null : productivityPerMinute * 60,
  };
}
