/**
 * Run and cycle figures, as plain SQL over a telemetry store's read-only
 * `query()`. Times are simulated minutes unless a name says otherwise.
 */
export interface ReadableStore {
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
}

/** One row of the `run_metrics` view (migration 2). */
export interface RunListRow {
  run_id: string;
  scenario_name: string;
  scenario_file: string | null;
  seed: string;
  runtime: string;
  workspace_mode: string;
  engine_version: string;
  status: 'running' | 'completed' | 'failed' | 'interrupted';
  started_at: string;
  ended_at: string | null;
  wall_ms: number | null;
  digest: string | null;
  cycles: number;
  tasks: number;
  tasks_done: number;
  tasks_failed: number;
  review_rounds: number;
  sim_minutes: number;
  defects_injected: number;
  defects_removed: number;
  defects_escaped: number;
  steps: number;
  cost_usd: number;
}

export function listRuns(db: ReadableStore, limit = 200): RunListRow[] {
  return db.query<RunListRow>('SELECT * FROM run_metrics ORDER BY started_at DESC, run_id DESC LIMIT ?', limit);
}

export function runRow(db: ReadableStore, runId: string): RunListRow | undefined {
  return db.query<RunListRow>('SELECT * FROM run_metrics WHERE run_id = ?', runId)[0];
}

export interface CycleStats {
  cycle: number;
  name: string;
  plannedTasks: number;
  tasks: number;
  done: number;
  failed: number;
  simStartMin: number | null;
  simEndMin: number | null;
  /** Simulated cycle time: first task start to last task end. */
  cycleMinutes: number | null;
  /** Mean simulated lead time of a task (start to end). */
  meanTaskMinutes: number | null;
  reviewRounds: number;
  /** Rework (fix) steps and their minutes. */
  reworkSteps: number;
  reworkMinutes: number;
  defectsInjected: number;
  removedInReview: number;
  removedInAcceptance: number;
  escaped: number;
  costUsd: number;
  tokens: number;
}

interface CycleRow {
  cycle_no: number;
  name: string;
  task_count: number;
  sim_start_min: number | null;
  sim_end_min: number | null;
  tasks: number;
  done: number | null;
  failed: number | null;
  mean_task_min: number | null;
  review_rounds: number | null;
  rework_steps: number | null;
  rework_min: number | null;
  injected: number | null;
  review: number | null;
  acceptance: number | null;
  escaped: number | null;
  usd: number | null;
  tokens: number | null;
}

const CYCLE_SQL = `
WITH t AS (
  SELECT task_id, cycle_no, state, review_rounds, sim_start_min, sim_end_min FROM tasks WHERE run_id = @run
), rw AS (
  SELECT task_id, COUNT(*) AS n, SUM(minutes) AS m FROM time_log WHERE run_id = @run AND phase = 'rework' GROUP BY task_id
), df AS (
  SELECT task_id, COUNT(*) AS injected, SUM(phase_removed = 'code-review') AS review,
    SUM(phase_removed = 'acceptance-test') AS acceptance, SUM(escaped) AS escaped
  FROM defect_log WHERE run_id = @run GROUP BY task_id
), co AS (
  SELECT task_id, SUM(cost_usd) AS usd, SUM(tokens_in + tokens_out) AS tokens FROM step_results WHERE run_id = @run GROUP BY task_id
)
SELECT c.cycle_no, c.name, c.task_count, c.sim_start_min, c.sim_end_min,
  COUNT(t.task_id) AS tasks, SUM(t.state = 'done') AS done, SUM(t.state = 'failed') AS failed,
  AVG(t.sim_end_min - t.sim_start_min) AS mean_task_min, SUM(t.review_rounds) AS review_rounds,
  SUM(rw.n) AS rework_steps, SUM(rw.m) AS rework_min,
  SUM(df.injected) AS injected, SUM(df.review) AS review, SUM(df.acceptance) AS acceptance, SUM(df.escaped) AS escaped,
  SUM(co.usd) AS usd, SUM(co.tokens) AS tokens
FROM cycles c
LEFT JOIN t ON t.cycle_no = c.cycle_no
LEFT JOIN rw ON rw.task_id = t.task_id
LEFT JOIN df ON df.task_id = t.task_id
LEFT JOIN co ON co.task_id = t.task_id
WHERE c.run_id = @run
GROUP BY c.cycle_no
ORDER BY c.cycle_no`;

export function cycleStats(db: ReadableStore, runId: string): CycleStats[] {
  return db.query<CycleRow>(CYCLE_SQL, { run: runId }).map((r) => ({
    cycle: r.cycle_no + 1,
    name: r.name,
    plannedTasks: r.task_count,
    tasks: r.tasks,
    done: r.done ?? 0,
    failed: r.failed ?? 0,
    simStartMin: r.sim_start_min,
    simEndMin: r.sim_end_min,
    cycleMinutes: r.sim_start_min === null || r.sim_end_min === null ? null : round(r.sim_end_min - r.sim_start_min),
    meanTaskMinutes: r.mean_task_min === null ? null : round(r.mean_task_min),
    reviewRounds: r.review_rounds ?? 0,
    reworkSteps: r.rework_steps ?? 0,
    reworkMinutes: round(r.rework_min ?? 0),
    defectsInjected: r.injected ?? 0,
    removedInReview: r.review ?? 0,
    removedInAcceptance: r.acceptance ?? 0,
    escaped: r.escaped ?? 0,
    costUsd: round(r.usd ?? 0, 4),
    tokens: r.tokens ?? 0,
  }));
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
