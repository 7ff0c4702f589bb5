import { percentile } from '../thresholds/percentile.ts';
import type { CompletionPoint } from './experiment-metrics.ts';

/**
 * Completion forecasts from many simulated runs of one plan, as TSP
 * earned-value forecasts give them, but from the simulated team's behaviour:
 * the distribution of the calendar end and of the total effort, central
 * 70 % and 90 % ranges, the chance of finishing by a deadline, and a fan
 * chart (percentile bands of tasks done over the calendar).
 *
 * Time is the simulated working calendar (hours of work); a day is
 * `hoursPerDay` working hours, a week five days.
 */
export interface Range {
  low: number;
  high: number;
}

export interface Spread {
  n: number;
  p50: number | null;
  /** Central 70 % (p15–p85) and 90 % (p5–p95) ranges. */
  range70: Range | null;
  range90: Range | null;
}

export interface Forecast {
  runs: number;
  hoursPerDay: number;
  /** Calendar end in working hours and in days. */
  end: Spread;
  endDays: Spread;
  effortHours: Spread;
  /** Runs in which every task was done. */
  allDone: number;
  by?: { hours: number; days: number; probability: number; interval: Range };
  fan: FanChart;
}

export interface FanChart {
  /** Days on the x axis. */
  days: number[];
  /** Tasks done by that day: p10, p25, p50, p75, p90 over runs. */
  bands: Record<'p10' | 'p25' | 'p50' | 'p75' | 'p90', number[]>;
  total: number;
}

const UNIT_DAYS = { h: 0, d: 1, w: 5 } as const;

/** `30d`, `6w`, `120h` → working hours. */
export function parseDuration(text: string, hoursPerDay: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([hdw])$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = Number(m[1]);
  const unit = m[2] as keyof typeof UNIT_DAYS;
  return unit === 'h' ? n : n * UNIT_DAYS[unit] * hoursPerDay;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const range = (lo: number, hi: number): Range | null => (sorted.length ? { low: percentile(sorted, lo)!, high: percentile(sorted, hi)! } : null);
  return { n: sorted.length, p50: percentile(sorted, 50), range70: range(15, 85), range90: range(5, 95) };
}

export interface ForecastRun {
  endHours: number;
  effortHours: number;
  tasks: number;
  done: number;
  completion: readonly CompletionPoint[];
}

export function forecast(runs: readonly ForecastRun[], options: { hoursPerDay: number; byHours?: number; fanPoints?: number }): Forecast {
  const { hoursPerDay } = options;
  const ends = runs.map((r) => r.endHours);
  const result: Forecast = {
    runs: runs.length,
    hoursPerDay,
    end: spread(ends),
    endDays: spread(ends.map((h) => h / hoursPerDay)),
    effortHours: spread(runs.map((r) => r.effortHours)),
    allDone: runs.filter((r) => r.done === r.tasks).length,
    fan: fanChart(runs, hoursPerDay, options.fanPoints ?? 40),
  };
  if (options.byHours !== undefined) {
    const by = options.byHours;
    // A run finishes by the deadline when its plan's calendar ends by then (a task that failed is an outcome, counted in allDone).
    const hits = runs.filter((r) => r.endHours <= by).length;
    result.by = { hours: by, days: by / hoursPerDay, probability: runs.length ? hits / runs.length : 0, interval: wilson(hits, runs.length) };
  }
  return result;
}

/** Wilson score interval (95 %) of a proportion: honest near 0 and 1, where the normal one is not. */
export function wilson(hits: number, n: number, z = 1.959963984540054): Range {
  if (n === 0) return { low: 0, high: 1 };
  const p = hits / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: hits === 0 ? 0 : Math.max(0, centre - half), high: hits === n ? 1 : Math.min(1, centre + half) };
}

/** Tasks done by time t in one run: a step function, the cycle's tasks counted at the cycle's end. */
function doneBy(completion: readonly CompletionPoint[], hours: number): number {
  let done = 0;
  for (const point of completion) if (point.hours <= hours + 1e-9) done = point.done;
  return done;
}

function fanChart(runs: readonly ForecastRun[], hoursPerDay: number, points: number): FanChart {
  const maxHours = Math.max(0, ...runs.map((r) => r.endHours));
  const hours = Array.from({ length: points + 1 }, (_, i) => (maxHours * i) / points);
  const bands: FanChart['bands'] = { p10: [], p25: [], p50: [], p75: [], p90: [] };
  for (const h of hours) {
    const sorted = runs.map((r) => doneBy(r.completion, h)).sort((a, b) => a - b);
    for (const [key, p] of [
      ['p10', 10],
      ['p25', 25],
      ['p50', 50],
      ['p75', 75],
      ['p90', 90],
    ] as const)
      bands[key].push(round(percentile(sorted, p) ?? 0));
  }
  return { days: hours.map((h) => round(h / hoursPerDay)), bands, total: Math.max(0, ...runs.map((r) => r.tasks)) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
