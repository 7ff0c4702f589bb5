/**
 * Versioned schema migrations of the telemetry database. Append only: a
 * released migration never changes; a new version adds a new entry.
 * PSP-compatible where it makes sense: time log per phase and persona, defect
 * log with phase injected/removed and fix time, size, PROBE estimates beside
 * actuals, cost vector.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  scenario_name TEXT NOT NULL,
  scenario_file TEXT,
  scenario_hash TEXT NOT NULL,
  seed TEXT NOT NULL,
  runtime TEXT NOT NULL,
  workspace_mode TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  options_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running','completed','failed','interrupted')),
  started_at TEXT NOT NULL,
  ended_at TEXT,
  wall_ms INTEGER,
  digest TEXT,
  summary_json TEXT
);
CREATE TABLE cycles (
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  cycle_no INTEGER NOT NULL,
  name TEXT NOT NULL,
  task_count INTEGER NOT NULL,
  sim_start_min REAL,
  sim_end_min REAL,
  completed_at TEXT,
  PRIMARY KEY (run_id, cycle_no)
);
CREATE TABLE tasks (
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  task_id TEXT NOT NULL,
  cycle_no INTEGER NOT NULL,
  title TEXT NOT NULL,
  proxy_size REAL NOT NULL,
  state TEXT NOT NULL,
  fail_reason TEXT,
  fail_message TEXT,
  review_rounds INTEGER NOT NULL DEFAULT 0,
  actual_size INTEGER,
  actual_minutes REAL,
  total_minutes REAL,
  sim_start_min REAL,
  sim_end_min REAL,
  outcome_json TEXT,
  PRIMARY KEY (run_id, task_id)
);
CREATE TABLE step_results (
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  step TEXT NOT NULL,
  round INTEGER NOT NULL,
  persona TEXT NOT NULL,
  job_id TEXT NOT NULL,
  listener_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  minutes REAL NOT NULL,
  queue_wait_ms INTEGER NOT NULL,
  processing_ms INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  commit_sha TEXT,
  result_json TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (run_id, task_id, step, round)
);
CREATE TABLE time_log (
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  step TEXT NOT NULL,
  round INTEGER NOT NULL,
  persona TEXT NOT NULL,
  minutes REAL NOT NULL,
  PRIMARY KEY (run_id, task_id, step, round)
);
CREATE TABLE defect_log (
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  defect_id TEXT NOT NULL,
  type TEXT NOT NULL,
  type_code INTEGER NOT NULL,
  severity TEXT NOT NULL,
  phase_injected TEXT NOT NULL,
  phase_removed TEXT,
  found_by TEXT,
  fix_minutes REAL NOT NULL,
  escaped INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, defect_id)
);
CREATE TABLE size_log (
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  step TEXT NOT NULL,
  round INTEGER NOT NULL,
  added INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  added_modified INTEGER NOT NULL,
  measured_by TEXT NOT NULL,
  PRIMARY KEY (run_id, task_id, step, round)
);
CREATE TABLE estimates (
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  proxy_size REAL NOT NULL,
  size_method TEXT NOT NULL,
  projected_size REAL NOT NULL,
  size_beta0 REAL, size_beta1 REAL, size_r2 REAL,
  size_lpi70 REAL, size_upi70 REAL, size_lpi90 REAL, size_upi90 REAL,
  time_method TEXT NOT NULL,
  projected_minutes REAL NOT NULL,
  time_beta0 REAL, time_beta1 REAL, time_r2 REAL,
  time_lpi70 REAL, time_upi70 REAL, time_lpi90 REAL, time_upi90 REAL,
  history_n INTEGER NOT NULL,
  estimate_json TEXT NOT NULL,
  actual_size INTEGER,
  actual_minutes REAL,
  PRIMARY KEY (run_id, task_id)
);
CREATE INDEX tasks_by_cycle ON tasks(run_id, cycle_no);
CREATE INDEX defects_by_task ON defect_log(run_id, task_id);
`,
  },
  {
    version: 2,
    name: 'run_metrics view and runs by start time',
    // One row per run with the figures the admin's run list shows (kept in
    // SQL so every reader, not just the dashboard, gets the same numbers).
    sql: `
CREATE INDEX runs_by_started ON runs(started_at);
CREATE VIEW run_metrics AS
SELECT r.run_id, r.scenario_name, r.scenario_file, r.seed, r.runtime, r.workspace_mode, r.engine_version,
  r.status, r.started_at, r.ended_at, r.wall_ms, r.digest,
  (SELECT COUNT(*) FROM cycles c WHERE c.run_id = r.run_id) AS cycles,
  (SELECT COUNT(*) FROM tasks t WHERE t.run_id = r.run_id) AS tasks,
  (SELECT COUNT(*) FROM tasks t WHERE t.run_id = r.run_id AND t.state = 'done') AS tasks_done,
  (SELECT COUNT(*) FROM tasks t WHERE t.run_id = r.run_id AND t.state = 'failed') AS tasks_failed,
  (SELECT COALESCE(SUM(t.review_rounds), 0) FROM tasks t WHERE t.run_id = r.run_id) AS review_rounds,
  (SELECT COALESCE(MAX(c.sim_end_min), 0) FROM cycles c WHERE c.run_id = r.run_id) AS sim_minutes,
  (SELECT COUNT(*) FROM defect_log d WHERE d.run_id = r.run_id) AS defects_injected,
  (SELECT COUNT(*) FROM defect_log d WHERE d.run_id = r.run_id AND d.phase_removed IS NOT NULL) AS defects_removed,
  (SELECT COUNT(*) FROM defect_log d WHERE d.run_id = r.run_id AND d.escaped = 1) AS defects_escaped,
  (SELECT COUNT(*) FROM step_results s WHERE s.run_id = r.run_id) AS steps,
  (SELECT COALESCE(SUM(s.cost_usd), 0) FROM step_results s WHERE s.run_id = r.run_id) AS cost_usd
FROM runs r;
`,
  },
  {
    version: 3,
    name: 'scenario source kept with the run (resume)',
    // The exact scenario text a run started from, so `--resume` can finish it
    // with the same scenario even after the file changed.
    sql: `ALTER TABLE runs ADD COLUMN scenario_source TEXT;`,
  },
  {
    version: 4,
    name: 'run leases',
    // The process executing a run holds its lease (host, pid, heartbeat), so
    // `--resume` never runs a second copy of a live run against the same rows.
    sql: `
CREATE TABLE run_leases (
  run_id TEXT PRIMARY KEY REFERENCES runs(run_id),
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  token TEXT NOT NULL,
  since TEXT NOT NULL,
  heartbeat_ms INTEGER NOT NULL
);`,
  },
  {
    version: 5,
    name: 'who acted per step (simulated model or command agent) and deterministic runs',
    // step_results.actor: 'simulated', or 'command:<name>@<version>' for a
    // command agent. runs.deterministic: 0 when a persona was a command agent
    // (same scenario and seed need not give the same outcome digest).
    sql: `
ALTER TABLE step_results ADD COLUMN actor TEXT NOT NULL DEFAULT 'simulated';
ALTER TABLE runs ADD COLUMN deterministic INTEGER NOT NULL DEFAULT 1;
`,
  },
  {
    version: 6,
    name: 'experiments and their runs',
    // An experiment (asp experiment / asp forecast): a grid of variants × seeds,
    // one row per run with its outcome digest and metric values, and the
    // aggregated results (statistics, forecast) as JSON for the dashboard.
    sql: `
CREATE TABLE experiments (
  experiment_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  file TEXT NOT NULL,
  hash TEXT NOT NULL,
  base_scenario TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('sweep','forecast')),
  variants INTEGER NOT NULL,
  seeds INTEGER NOT NULL,
  transport TEXT NOT NULL,
  workers INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running','completed','failed','interrupted')),
  started_at TEXT NOT NULL,
  ended_at TEXT,
  wall_ms INTEGER,
  digest TEXT,
  report_dir TEXT,
  results_json TEXT
);
CREATE INDEX experiments_by_started ON experiments(started_at);
CREATE TABLE experiment_runs (
  experiment_id TEXT NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
  variant INTEGER NOT NULL,
  variant_label TEXT NOT NULL,
  seed_index INTEGER NOT NULL,
  seed TEXT NOT NULL,
  digest TEXT NOT NULL,
  values_json TEXT NOT NULL,
  completion_json TEXT NOT NULL,
  PRIMARY KEY (experiment_id, variant, seed_index)
);
`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
