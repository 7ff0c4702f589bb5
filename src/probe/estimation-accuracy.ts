/**
 * Estimation accuracy over completed tasks and the ASP bootstrap phase.
 *
 * Definitions (all results are numbers or null, never NaN):
 * - relative error RE = (actual − estimate) / actual (positive = the task
 *   was underestimated); tasks with actual ≤ 0 are left out of every
 *   relative measure (`relativeCount` says how many were used);
 * - MMRE = mean |RE| (a fraction, 0.25 = 25 %);
 * - bias = mean RE (signed fraction; > 0 means estimates run low);
 * - MAPE(last 10) = 100 × mean |RE| over the last 10 tasks with actual > 0
 *   (a percentage);
 * - hit rate at p % = share of tasks whose actual lies in [LPI, UPI] of
 *   their p % interval, over the tasks whose estimate had such an interval
 *   (`count`); null when none had one;
 * - phase: 'Learning' until 10 tasks are complete; then 'Shadow' once r² >
 *   0.7, where r² is the r² of the regression the most recent estimate of
 *   that capability used (null when it used a non-regression method, which
 *   keeps it in 'Learning'); 'Autonomous' once, in addition, MAPE over the
 *   last 10 tasks is below 20 %.
 */
export type Capability = 'size' | 'time';
export type BootstrapPhase = 'Learning' | 'Shadow' | 'Autonomous';

export interface AccuracyInterval {
  percent: number;
  lpi: number;
  upi: number;
}

export interface AccuracyProjection {
  projected: number;
  intervals: readonly AccuracyInterval[];
  r2?: number | null;
}

/** Structurally compatible with ProbeEstimate. */
export interface AccuracyEstimate {
  size: AccuracyProjection;
  time: AccuracyProjection;
}

export interface AccuracyRecord {
  estimate: AccuracyEstimate;
  actualSize: number;
  actualMinutes: number;
}

export interface HitRate {
  percent: number;
  hits: number;
  /** Tasks whose estimate had an interval at this percent. */
  count: number;
  rate: number | null;
}

export interface CapabilityAccuracy {
  capability: Capability;
  tasks: number;
  relativeCount: number;
  hitRates: HitRate[];
  mmre: number | null;
  bias: number | null;
  mapeLast10: number | null;
  /** r² used for the phase (the latest estimate's regression r²). */
  r2: number | null;
  phase: BootstrapPhase;
  phaseReason: string;
}

export interface AccuracyReport {
  tasks: number;
  size: CapabilityAccuracy;
  time: CapabilityAccuracy;
}

export const LEARNING_TASKS = 10;
export const SHADOW_R2 = 0.7;
export const AUTONOMOUS_MAPE = 20;
export const MAPE_WINDOW = 10;
export const HIT_RATE_PERCENTS: readonly number[] = [70, 90];

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function meanOrNull(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return finiteOrNull(values.reduce((s, v) => s + v, 0) / values.length);
}

/** (actual − estimate) / actual; null when actual ≤ 0 or a value is not finite. */
export function relativeError(estimate: number, actual: number): number | null {
  if (!Number.isFinite(estimate) || !Number.isFinite(actual) || actual <= 0) return null;
  return (actual - estimate) / actual;
}

export function hitRates(pairs: readonly { projection: AccuracyProjection; actual: number }[], percents: readonly number[] = HIT_RATE_PERCENTS): HitRate[] {
  return percents.map((percent) => {
    let hits = 0;
    let count = 0;
    for (const { projection, actual } of pairs) {
      const interval = projection.intervals.find((i) => i.percent === percent);
      if (!interval || !Number.isFinite(actual)) continue;
      count += 1;
      if (actual >= interval.lpi && actual <= interval.upi) hits += 1;
    }
    return { percent, hits, count, rate: count === 0 ? null : hits / count };
  });
}

export function bootstrapPhase(tasks: number, r2: number | null, mapeLast10: number | null): { phase: BootstrapPhase; reason: string } {
  if (tasks < LEARNING_TASKS) return { phase: 'Learning', reason: `${tasks} of ${LEARNING_TASKS} completed tasks` };
  if (r2 === null || !(r2 > SHADOW_R2)) {
    return { phase: 'Learning', reason: `r² ${r2 === null ? 'not available (no regression used)' : r2.toFixed(3)} is not above ${SHADOW_R2}` };
  }
  if (mapeLast10 !== null && mapeLast10 < AUTONOMOUS_MAPE) {
    return { phase: 'Autonomous', reason: `r² ${r2.toFixed(3)} > ${SHADOW_R2} and MAPE over the last ${MAPE_WINDOW} tasks ${mapeLast10.toFixed(1)} % < ${AUTONOMOUS_MAPE} %` };
  }
  return {
    phase: 'Shadow',
    reason: `r² ${r2.toFixed(3)} > ${SHADOW_R2}; MAPE over the last ${MAPE_WINDOW} tasks ${mapeLast10 === null ? 'not available' : `${mapeLast10.toFixed(1)} %`} is not below ${AUTONOMOUS_MAPE} %`,
  };
}

export function capabilityAccuracy(records: readonly AccuracyRecord[], capability: Capability): CapabilityAccuracy {
  const pairs = records.map((r) => ({
    projection: r.estimate[capability],
    actual: capability === 'size' ? r.actualSize : r.actualMinutes,
  }));
  const errors = pairs.map((p) => relativeError(p.projection.projected, p.actual)).filter((e): e is number => e !== null);
  const absolute = errors.map(Math.abs);
  const lastWindow = absolute.slice(-MAPE_WINDOW);
  const mape = meanOrNull(lastWindow);
  const mapeLast10 = mape === null ? null : mape * 100;
  const latest = pairs.at(-1)?.projection.r2;
  const r2 = latest === undefined || latest === null || !Number.isFinite(latest) ? null : latest;
  const { phase, reason } = bootstrapPhase(records.length, r2, mapeLast10);
  return {
    capability,
    tasks: records.length,
    relativeCount: errors.length,
    hitRates: hitRates(pairs),
    mmre: meanOrNull(absolute),
    bias: meanOrNull(errors),
    mapeLast10,
    r2,
    phase,
    phaseReason: reason,
  };
}

/** Accuracy of a list of completed estimates, in completion order. */
export function estimationAccuracy(records: readonly AccuracyRecord[]): AccuracyReport {
  return {
    tasks: records.length,
    size: capabilityAccuracy(records, 'size'),
    time: capabilityAccuracy(records, 'time'),
  };
}
