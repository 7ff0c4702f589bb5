/**
 * Historical data access shared by the PROBE methods (PD ProbeData):
 * the (x, y) points of a method and the historical productivity.
 */
/** What a method estimates: actual size (LOC) or actual time (minutes). */
export type Purpose = 'size' | 'time';
/** The historical x a method fits: E, planned size, or actual size. */
export type XVariable = 'E' | 'plan' | 'actualSize';

export interface HistoryRow {
  proxySize: number;
  planSize?: number;
  actualSize: number;
  actualMinutes: number;
}

function xOf(row: HistoryRow, x: XVariable): number | undefined {
  if (x === 'E') return row.proxySize;
  if (x === 'plan') return row.planSize;
  return row.actualSize;
}

function yOf(row: HistoryRow, purpose: Purpose): number {
  return purpose === 'size' ? row.actualSize : row.actualMinutes;
}

/** PD ProbeData.getXYDataPoints: keep points whose x and y are finite and non-zero. */
export function dataPoints(history: readonly HistoryRow[], x: XVariable, purpose: Purpose): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const row of history) {
    const xv = xOf(row, x);
    const yv = yOf(row, purpose);
    if (xv !== undefined && Number.isFinite(xv) && xv !== 0 && Number.isFinite(yv) && yv !== 0) {
      xs.push(xv);
      ys.push(yv);
    }
  }
  return { xs, ys };
}

/**
 * What depends on the history alone, computed once per history array: every
 * estimate of a cycle is made with the same array (up to 200 points), only E
 * differs. Keyed by the array's identity (and its length, so an array that
 * grew is not mistaken for what it was); the values are never modified.
 */
const perHistory = new WeakMap<readonly HistoryRow[], { length: number; values: Map<string, unknown> }>();

/** `compute(history)` once per history array and `key`; the result must be treated as read-only. */
export function perHistoryValue<T>(history: readonly HistoryRow[], key: string, compute: (history: readonly HistoryRow[]) => T): T {
  let entry = perHistory.get(history);
  if (!entry || entry.length !== history.length) {
    entry = { length: history.length, values: new Map() };
    perHistory.set(history, entry);
  }
  if (entry.values.has(key)) return entry.values.get(key) as T;
  const value = compute(history);
  entry.values.set(key, value);
  return value;
}

type PairKind = 'points' | 'regression' | 'sums';
/** The keys of perHistoryValue for (kind, x, purpose), made once (no string is built per estimate). */
const PAIR_KEYS = Object.fromEntries(
  (['points', 'regression', 'sums'] as const).map((kind) => [
    kind,
    Object.fromEntries((['E', 'plan', 'actualSize'] as const).map((x) => [x, { size: `${kind}:${x}:size`, time: `${kind}:${x}:time` }])),
  ]),
) as Record<PairKind, Record<XVariable, Record<Purpose, string>>>;
export function pairKey(kind: PairKind, x: XVariable, purpose: Purpose): string {
  return PAIR_KEYS[kind][x][purpose];
}

/** dataPoints, once per history array: the arrays are shared, do not modify them. */
export function sharedDataPoints(history: readonly HistoryRow[], x: XVariable, purpose: Purpose): { readonly xs: readonly number[]; readonly ys: readonly number[] } {
  return perHistoryValue(history, pairKey('points', x, purpose), (h) => dataPoints(h, x, purpose));
}

/** Σ actual size / Σ actual minutes over tasks with both non-zero (PD calcProductivity). */
export function historicalProductivityPerMinute(history: readonly HistoryRow[]): number | null {
  const { xs, ys } = sharedDataPoints(history, 'actualSize', 'time');
  const loc = xs.reduce((s, v) => s + v, 0);
  const minutes = ys.reduce((s, v) => s + v, 0);
  return xs.length > 0 && minutes > 0 && loc > 0 ? loc / minutes : null;
}
