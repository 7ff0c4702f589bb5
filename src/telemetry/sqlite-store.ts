import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AspError } from '../errors.ts';
import type { TaskOutcome, TaskSubject } from '../workflow/task-types.ts';
import { unwritableDatabaseFile } from './database-files.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.ts';
import { insertStepRows, updateOutcomeRows } from './psp-rows.ts';
import { envInt, isBusy, lockedError, sleepSync, writeError } from './sqlite-write-faults.ts';
import type { ExperimentRecord, ExperimentRunRecord, MigrationReport, RunLeaseRow, RunRecord, StepRecord, StoredRun, StoredStep, TaskRow, TelemetryStore } from './telemetry-store.ts';

/** The only module that imports better-sqlite3. WAL mode, versioned migrations. */
export class SqliteTelemetryStore implements TelemetryStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly busyTimeoutMs: number;
  private closed = false;
  private readonly statements = new Map<string, Database.Statement>();

  private readonly busyRetries: number;
  private readonly readonly: boolean;
  private readonly onWriteError: ((err: AspError) => void) | undefined;

  /**
   * `busyTimeoutMs`: how long one write waits for another process's lock (ASP_DB_BUSY_TIMEOUT_MS, 5000);
   * a write still locked out is tried `busyRetries` more times with backoff (ASP_DB_BUSY_RETRIES, 3)
   * before it fails. `onWriteError` hears of every write that failed (the run stops resumably).
   */
  constructor(path: string, options: { readonly?: boolean; busyTimeoutMs?: number; busyRetries?: number; onWriteError?: (err: AspError) => void } = {}) {
    this.path = path;
    this.busyRetries = options.busyRetries ?? envInt('ASP_DB_BUSY_RETRIES') ?? 3;
    this.onWriteError = options.onWriteError;
    this.readonly = options.readonly ?? false;
    this.busyTimeoutMs = options.busyTimeoutMs ?? envInt('ASP_DB_BUSY_TIMEOUT_MS') ?? 5000;
    if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, timeout: this.busyTimeoutMs });
      if (!options.readonly) this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
    } catch (err) {
      if (isBusy(err)) throw lockedError(path, this.busyTimeoutMs, err);
      throw new AspError('DATABASE', `cannot open the telemetry database ${path}: ${(err as Error).message}`, {
        cause: err,
        exitCode: 2,
        hint: 'check that the path is writable and is a SQLite database (or pass another one with --db)',
      });
    }
  }

  schemaVersion(): number {
    const exists = this.stmt("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'").get();
    if (!exists) return 0;
    const row = this.stmt('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  /** Applies the pending migrations (up to `to`, default the latest), after a backup of an existing schema. */
  migrate(options: { to?: number } = {}): MigrationReport {
    // The first thing a writer does: fail here, before any side effect, when another process holds the write lock.
    this.assertWritable();
    const from = this.schemaVersion();
    if (from > LATEST_SCHEMA_VERSION) {
      throw new AspError('DATABASE_TOO_NEW', `${this.path} is at schema version ${from}, newer than this engine knows (${LATEST_SCHEMA_VERSION})`, {
        exitCode: 2,
        hint: 'upgrade the engine, or point --db at another database file',
      });
    }
    const target = options.to ?? LATEST_SCHEMA_VERSION;
    const pending = MIGRATIONS.filter((m) => m.version > from && m.version <= target);
    if (pending.length === 0) return { from, to: from, applied: [] };
    let backup: string | undefined;
    if (from > 0 && existsSync(this.path)) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      backup = `${this.path}.v${from}.${Date.now()}.bak`;
      copyFileSync(this.path, backup);
    }
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of pending) {
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.stmt('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      })();
    }
    return { from, to: this.schemaVersion(), applied: pending.map((m) => m.version), ...(backup ? { backup } : {}) };
  }

  createRun(run: RunRecord): void {
    this.write(() => {
      this.stmt(
        `INSERT INTO runs (run_id, scenario_name, scenario_file, scenario_hash, seed, runtime, workspace_mode, engine_version, options_json, status, started_at, scenario_source, deterministic)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
      ).run(
        run.runId,
        run.scenarioName,
        run.scenarioFile,
        run.scenarioHash,
        run.seed,
        run.runtime,
        run.workspaceMode,
        run.engineVersion,
        JSON.stringify(run.options),
        run.startedAt,
        run.scenarioSource,
        run.deterministic === false ? 0 : 1,
      );
    });
  }

  reopenRun(runId: string): void {
    this.write(() => {
      this.stmt("UPDATE runs SET status = 'running', ended_at = NULL WHERE run_id = ?").run(runId);
    });
  }

  recordCycle(runId: string, cycleNo: number, name: string, taskCount: number): void {
    this.write(() => {
      this.stmt('INSERT OR IGNORE INTO cycles (run_id, cycle_no, name, task_count) VALUES (?, ?, ?, ?)').run(runId, cycleNo, name, taskCount);
    });
  }

  finishCycle(runId: string, cycleNo: number, simStartMin: number | null, simEndMin: number | null): void {
    this.write(() => {
      this.stmt('UPDATE cycles SET sim_start_min = ?, sim_end_min = ?, completed_at = ? WHERE run_id = ? AND cycle_no = ?').run(simStartMin, simEndMin, new Date().toISOString(), runId, cycleNo);
    });
  }

  recordTaskStart(runId: string, task: TaskSubject): void {
    this.write(() => {
      this.stmt("INSERT OR IGNORE INTO tasks (run_id, task_id, cycle_no, title, proxy_size, state) VALUES (?, ?, ?, ?, ?, 'running')").run(runId, task.id, task.cycle, task.title, task.proxySize);
    });
  }

  recordStep(record: StepRecord): boolean {
    return this.write(() => this.atomically(() => insertStepRows(this.prepare, record)));
  }

  recordTaskOutcome(runId: string, outcome: TaskOutcome, sim: { startMin: number; endMin: number } | null): void {
    this.write(() => this.atomically(() => updateOutcomeRows(this.prepare, runId, outcome, sim)));
  }

  createExperiment(e: ExperimentRecord): void {
    this.stmt(
      `INSERT INTO experiments (experiment_id, name, file, hash, base_scenario, kind, variants, seeds, transport, workers, status, started_at, report_dir)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
    ).run(e.experimentId, e.name, e.file, e.hash, e.baseScenario, e.kind, e.variants, e.seeds, e.transport, e.workers, e.startedAt, e.reportDir);
  }

  recordExperimentRun(r: ExperimentRunRecord): void {
    this.stmt(
      `INSERT OR REPLACE INTO experiment_runs (experiment_id, variant, variant_label, seed_index, seed, digest, values_json, completion_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(r.experimentId, r.variant, r.variantLabel, r.seedIndex, r.seed, r.digest, JSON.stringify(r.values), JSON.stringify(r.completion));
  }

  finishExperiment(experimentId: string, status: 'completed' | 'failed' | 'interrupted', result: { digest?: string; results?: unknown; wallMs: number }): void {
    this.stmt('UPDATE experiments SET status = ?, ended_at = ?, wall_ms = ?, digest = ?, results_json = ? WHERE experiment_id = ?').run(
      status,
      new Date().toISOString(),
      result.wallMs,
      result.digest ?? null,
      result.results === undefined ? null : JSON.stringify(result.results),
      experimentId,
    );
  }

  finishRun(runId: string, status: 'completed' | 'failed' | 'interrupted', result: { digest?: string; summary?: unknown; wallMs: number }): void {
    this.write(() => {
      this.stmt('UPDATE runs SET status = ?, ended_at = ?, wall_ms = ?, digest = ?, summary_json = ? WHERE run_id = ?').run(
        status,
        new Date().toISOString(),
        result.wallMs,
        result.digest ?? null,
        result.summary === undefined ? null : JSON.stringify(result.summary),
        runId,
      );
    });
  }

  claimLease(runId: string, lease: RunLeaseRow, takeOver: (current: RunLeaseRow) => boolean): { claimed: true } | { claimed: false; holder: RunLeaseRow } {
    return this.write(() => {
      // IMMEDIATE: the write lock is taken before the read, so two resumes cannot both see the lease free.
      return this.db
        .transaction(() => {
          const row = this.stmt('SELECT host, pid, token, since, heartbeat_ms AS heartbeatMs FROM run_leases WHERE run_id = ?').get(runId) as RunLeaseRow | undefined;
          if (row && !takeOver(row)) return { claimed: false as const, holder: row };
          this.stmt('INSERT OR REPLACE INTO run_leases (run_id, host, pid, token, since, heartbeat_ms) VALUES (?, ?, ?, ?, ?, ?)').run(
            runId,
            lease.host,
            lease.pid,
            lease.token,
            lease.since,
            lease.heartbeatMs,
          );
          return { claimed: true as const };
        })
        .immediate();
    });
  }

  renewLease(runId: string, token: string, heartbeatMs: number): boolean {
    return this.write(() => {
      return this.stmt('UPDATE run_leases SET heartbeat_ms = ? WHERE run_id = ? AND token = ?').run(heartbeatMs, runId, token).changes === 1;
    });
  }

  releaseLease(runId: string, token: string): void {
    this.write(() => {
      this.stmt('DELETE FROM run_leases WHERE run_id = ? AND token = ?').run(runId, token);
    });
  }

  /** `fn` as one transaction; inside a batch it is already part of one (no savepoint per record). */
  private atomically<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  batch<T>(fn: () => T): T {
    return this.write(() => {
      return this.db.transaction(fn)();
    });
  }

  tasks(runId: string): TaskRow[] {
    return this.stmt('SELECT task_id, cycle_no, title, state, fail_reason, review_rounds, actual_size, actual_minutes FROM tasks WHERE run_id = ? ORDER BY cycle_no, task_id').all(runId) as TaskRow[];
  }

  countRows(table: 'tasks' | 'step_results' | 'time_log' | 'defect_log' | 'size_log' | 'estimates' | 'cycles', runId: string): number {
    return (this.stmt(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = ?`).get(runId) as { n: number }).n;
  }

  storedRun(runId: string): StoredRun | undefined {
    return this.query<StoredRun>('SELECT status, scenario_source, scenario_file, seed, runtime, workspace_mode, options_json FROM runs WHERE run_id = ?', runId)[0];
  }

  storedSteps(runId: string): StoredStep[] {
    return this.query<StoredStep>('SELECT task_id, step, round, persona, listener_id, user_id, attempts, result_json FROM step_results WHERE run_id = ?', runId);
  }

  storedOutcomes(runId: string): Array<{ taskId: string; outcomeJson: string }> {
    return this.query<{ taskId: string; outcomeJson: string }>('SELECT task_id AS taskId, outcome_json AS outcomeJson FROM tasks WHERE run_id = ? AND outcome_json IS NOT NULL', runId);
  }

  completedCycles(runId: string): number[] {
    return this.query<{ cycle_no: number }>('SELECT cycle_no FROM cycles WHERE run_id = ? AND completed_at IS NOT NULL', runId).map((r) => r.cycle_no);
  }

  currentLease(runId: string): RunLeaseRow | undefined {
    return this.query<RunLeaseRow>('SELECT host, pid, token, since, heartbeat_ms AS heartbeatMs FROM run_leases WHERE run_id = ?', runId)[0];
  }

  /** True when a write transaction can start (the file and its folder are writable and not locked for long). */
  writable(): boolean {
    try {
      this.assertWritable();
      return true;
    } catch {
      return false;
    }
  }

  /** Throws AspError('DATABASE') naming the file when another process keeps the write lock past the busy timeout. */
  assertWritable(): void {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
    } catch (err) {
      if (isBusy(err)) throw lockedError(this.path, this.busyTimeoutMs, err);
      throw new AspError('DATABASE', `cannot write to the telemetry database ${this.path}: ${(err as Error).message}`, {
        cause: err,
        exitCode: 2,
        hint: 'check that the file and its folder are writable (or pass another database with --db)',
      });
    }
  }

  /**
   * Runs one write (a transaction, or a statement outside one). Another
   * process's lock past the busy timeout is waited out `busyRetries` more
   * times with backoff; then, or on any other failure (a read-only or
   * immutable file, a full disk), it throws AspError('DATABASE', exit 3)
   * naming the file, after telling `onWriteError`. The files are checked to
   * be writable first: SQLite writes its WAL index through a shared mapping,
   * and a write into that mapping of a file made immutable kills the process
   * with SIGBUS instead of returning an error.
   */
  private write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    for (let attempt = 0; ; attempt++) {
      try {
        this.assertFilesWritable();
        return fn();
      } catch (err) {
        if (isBusy(err) && attempt < this.busyRetries) {
          sleepSync(250 * 2 ** attempt);
          continue;
        }
        const failure = err instanceof AspError ? err : writeError(this.path, err, isBusy(err) ? (attempt + 1) * this.busyTimeoutMs : 0, attempt + 1);
        this.onWriteError?.(failure);
        throw failure;
      }
    }
  }

  private assertFilesWritable(): void {
    const denied = unwritableDatabaseFile(this.path);
    if (!denied) return;
    throw new AspError('DATABASE', `the telemetry database ${this.path} is no longer writable (${denied.code} on ${denied.file}: read-only or immutable); the run stopped before writing to it`, {
      cause: denied.err,
      exitCode: 3,
      hint: 'make the files writable again (chattr -i / chmod u+w on the database and its -wal and -shm files), then resume the run (npm run simulate -- --resume <runId>)',
    });
  }

  /** Read-only SQL for reports and tests. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }

  private readonly prepare = (sql: string): Database.Statement => this.stmt(sql);

  /** Prepared statements, compiled once per SQL text (the hot path prepares the same few). */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.readonly && unwritableDatabaseFile(this.path)) {
      // Closing checkpoints the WAL through the shared-memory mapping of a file that can no
      // longer be written, which the kernel answers with SIGBUS. Left open; the process ends
      // through process.exit, which does not close it either.
      process.once('beforeExit', (code) => process.exit(code));
      return;
    }
    this.db.close();
  }
}
