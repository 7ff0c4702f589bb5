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

/** Σ actual size / Σ actual minutes over tasks with both non-zero (PD calcProductivity). */
export function historicalProductivityPerMinute(history: readonly HistoryRow[]): number | null {
  const { xs, ys } = dataPoints(history, 'actualSize', 'time');
  const loc = xs.reduce((s, v) => s + v, 0);
  const minutes = ys.reduce((s, v) => s + v, 0);
  return xs.length > 0 && minutes > 0 && loc > 0 ? loc / minutes : null;
}

