import { estimationAccuracy, type AccuracyEstimate, type AccuracyRecord, type AccuracyReport } from '../probe/index.ts';
import { round, type ReadableStore } from './run-queries.ts';

/**
 * PROBE estimates beside actuals, and their accuracy (the same measures the
 * run summary prints, from src/probe/estimation-accuracy.ts), per cycle and
 * per run. Tasks are taken in the order they started, as the runner did.
 */
export interface EstimatePoint {
  taskId: string;
  cycle: number;
  state: string;
  proxySize: number;
  sizeMethod: string;
  size: Projection;
  timeMethod: string;
  time: Projection;
  historyN: number;
}

export interface Projection {
  projected: number;
  lpi70: number | null;
  upi70: number | null;
  lpi90: number | null;
  upi90: number | null;
  actual: number | null;
}

export interface EstimateData {
  /** Points for the chart: the most recent `limit` estimates. */
  points: EstimatePoint[];
  pointsTotal: number;
  accuracy: AccuracyReport;
  byCycle: Array<{ cycle: number; accuracy: AccuracyReport }>;
}

interface EstimateRow {
  task_id: string;
  cycle_no: number;
  state: string;
  proxy_size: number;
  size_method: string;
  projected_size: number;
  size_lpi70: number | null;
  size_upi70: number | null;
  size_lpi90: number | null;
  size_upi90: number | null;
  time_method: string;
  projected_minutes: number;
  time_lpi70: number | null;
  time_upi70: number | null;
  time_lpi90: number | null;
  time_upi90: number | null;
  history_n: number;
  actual_size: number | null;
  actual_minutes: number | null;
  estimate_json: string;
}

const SQL = `
SELECT e.task_id, t.cycle_no, t.state, e.proxy_size, e.size_method, e.projected_size, e.size_lpi70, e.size_upi70, e.size_lpi90, e.size_upi90,
  e.time_method, e.projected_minutes, e.time_lpi70, e.time_upi70, e.time_lpi90, e.time_upi90, e.history_n,
  e.actual_size, e.actual_minutes, e.estimate_json
FROM estimates e JOIN tasks t ON t.run_id = e.run_id AND t.task_id = e.task_id
WHERE e.run_id = ? ORDER BY t.cycle_no, t.rowid`;

export function estimateData(db: ReadableStore, runId: string, limit = 400): EstimateData {
  const rows = db.query<EstimateRow>(SQL, runId);
  const records: AccuracyRecord[] = [];
  const perCycle = new Map<number, AccuracyRecord[]>();
  for (const r of rows) {
    if (!perCycle.has(r.cycle_no + 1)) perCycle.set(r.cycle_no + 1, []);
    if (r.state !== 'done' || r.actual_size === null || r.actual_minutes === null) continue;
    const record = { estimate: JSON.parse(r.estimate_json) as AccuracyEstimate, actualSize: r.actual_size, actualMinutes: r.actual_minutes };
    records.push(record);
    perCycle.get(r.cycle_no + 1)?.push(record);
  }
  return {
    points: rows.slice(-limit).map(point),
    pointsTotal: rows.length,
    accuracy: estimationAccuracy(records),
    byCycle: [...perCycle].map(([cycle, list]) => ({ cycle, accuracy: estimationAccuracy(list) })),
  };
}

/** Failed tasks keep their actuals in the points (the chart greys them); accuracy counts done tasks only. */
function point(r: EstimateRow): EstimatePoint {
  return {
    taskId: r.task_id,
    cycle: r.cycle_no + 1,
    state: r.state,
    proxySize: r.proxy_size,
    sizeMethod: r.size_method,
    size: projection(r.projected_size, r.size_lpi70, r.size_upi70, r.size_lpi90, r.size_upi90, r.actual_size),
    timeMethod: r.time_method,
    time: projection(r.projected_minutes, r.time_lpi70, r.time_upi70, r.time_lpi90, r.time_upi90, r.actual_minutes),
    historyN: r.history_n,
  };
}

function projection(projected: number, lpi70: number | null, upi70: number | null, lpi90: number | null, upi90: number | null, actual: number | null): Projection {
  const r = (x: number | null) => (x === null ? null : round(x));
  return { projected: round(projected), lpi70: r(lpi70), upi70: r(upi70), lpi90: r(lpi90), upi90: r(upi90), actual: r(actual) };
}
