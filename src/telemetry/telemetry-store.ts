import type { ResultMeta } from '../queue/job-schema.ts';
import type { StepResult, TaskOutcome, TaskSubject } from '../workflow/task-types.ts';

/**
 * The telemetry database behind one interface (SQLite today; another backend
 * would implement the same contract). Exactly one writer per run: the runner.
 */
export interface RunRecord {
  runId: string;
  scenarioName: string;
  scenarioFile: string;
  scenarioHash: string;
  /** The scenario text, kept so a crashed run can be resumed. */
  scenarioSource: string;
  seed: string;
  runtime: string;
  workspaceMode: string;
  engineVersion: string;
  options: Record<string, unknown>;
  startedAt: string;
  /** False when a persona is a command agent: the run's outcome is not reproducible from scenario and seed (default true). */
  deterministic?: boolean;
}

export interface StepRecord {
  runId: string;
  taskId: string;
  round: number;
  jobId: string;
  result: StepResult;
  meta: ResultMeta;
  receivedAt: number;
}

export interface TaskRow {
  task_id: string;
  cycle_no: number;
  title: string;
  state: string;
  fail_reason: string | null;
  review_rounds: number;
  actual_size: number | null;
  actual_minutes: number | null;
}

/** Who executes a run (run-lease.ts): host, pid, since when, last heartbeat (ms since the epoch). */
export interface RunLeaseRow {
  host: string;
  pid: number;
  token: string;
  since: string;
  heartbeatMs: number;
}

export interface ExperimentRecord {
  experimentId: string;
  name: string;
  file: string;
  hash: string;
  baseScenario: string;
  kind: 'sweep' | 'forecast';
  variants: number;
  seeds: number;
  transport: string;
  workers: number;
  startedAt: string;
  reportDir: string;
}

export interface ExperimentRunRecord {
  experimentId: string;
  variant: number;
  variantLabel: string;
  seedIndex: number;
  seed: string;
  digest: string;
  values: Record<string, number | null>;
  completion: unknown;
}

export interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
  backup?: string;
}

/** A run as stored, for `--resume`. */
export interface StoredRun {
  status: string;
  scenario_source: string | null;
  scenario_file: string | null;
  seed: string;
  runtime: string;
  workspace_mode: string;
  options_json: string;
}

/** A step result as stored, for `--resume`. */
export interface StoredStep {
  task_id: string;
  step: string;
  round: number;
  persona: 'jordan' | 'alex' | 'sarah';
  listener_id: string;
  user_id: string;
  attempts: number;
  result_json: string;
}

export interface TelemetryStore {
  readonly path: string;
  migrate(): MigrationReport;
  schemaVersion(): number;
  createRun(run: RunRecord): void;
  /** A resumed run is running again. */
  reopenRun(runId: string): void;
  /** Read-only SQL, for the read modules of src/telemetry/ only (the dashboard's queries); everyone else uses the named reads. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  /** The run's row, or undefined. */
  storedRun(runId: string): StoredRun | undefined;
  /** Every step result stored for the run. */
  storedSteps(runId: string): StoredStep[];
  /** The outcomes stored for the run's finished tasks. */
  storedOutcomes(runId: string): Array<{ taskId: string; outcomeJson: string }>;
  /** The cycle numbers the run completed. */
  completedCycles(runId: string): number[];
  /** The run's lease, or undefined. */
  currentLease(runId: string): RunLeaseRow | undefined;
  /** True when a write transaction can start (the file and its folder are writable and not locked for long). */
  writable(): boolean;
  recordCycle(runId: string, cycleNo: number, name: string, taskCount: number): void;
  finishCycle(runId: string, cycleNo: number, simStartMin: number | null, simEndMin: number | null): void;
  recordTaskStart(runId: string, task: TaskSubject): void;
  /** Stores one step result; returns false when it was already stored (a retried job). */
  recordStep(record: StepRecord): boolean;
  /** `sim` is null when the run has no simulated calendar (lean runs). */
  recordTaskOutcome(runId: string, outcome: TaskOutcome, sim: { startMin: number; endMin: number } | null): void;
  finishRun(runId: string, status: 'completed' | 'failed' | 'interrupted', result: { digest?: string; summary?: unknown; wallMs: number }): void;
  /**
   * Takes the run's lease in one write transaction: when a lease is held and
   * `takeOver(current)` is false, nothing changes and the holder is returned.
   */
  claimLease(runId: string, lease: RunLeaseRow, takeOver: (current: RunLeaseRow) => boolean): { claimed: true } | { claimed: false; holder: RunLeaseRow };
  /** Refreshes the heartbeat; false when the lease is no longer this token's (taken over). */
  renewLease(runId: string, token: string, heartbeatMs: number): boolean;
  /** Gives the lease up (only this token's). */
  releaseLease(runId: string, token: string): void;
  createExperiment(experiment: ExperimentRecord): void;
  /** Stores one run of an experiment (again: replaced, the run is deterministic). */
  recordExperimentRun(run: ExperimentRunRecord): void;
  finishExperiment(experimentId: string, status: 'completed' | 'failed' | 'interrupted', result: { digest?: string; results?: unknown; wallMs: number }): void;
  /** Runs `fn` in one transaction (batched writes). */
  batch<T>(fn: () => T): T;
  tasks(runId: string): TaskRow[];
  countRows(table: 'tasks' | 'step_results' | 'time_log' | 'defect_log' | 'size_log' | 'estimates' | 'cycles', runId: string): number;
  close(): void;
}
