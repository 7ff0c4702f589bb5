import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runDashboardData, listRuns, withReadOnlyStore } from '../../src/telemetry/telemetry-queries.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/telemetry/migrations.ts';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { runCli } from '../support/temp-run.ts';

const TABLES = ['runs', 'cycles', 'tasks', 'step_results', 'time_log', 'defect_log', 'size_log', 'estimates'] as const;

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A database at schema v1 holding two runs' worth of rows in every table. */
function v1Database(path: string): void {
  const store = new SqliteTelemetryStore(path);
  expect(store.migrate({ to: 1 })).toEqual({ from: 0, to: 1, applied: [1] });
  store.close();
  const db = new Database(path);
  const run = db.prepare(
    `INSERT INTO runs (run_id, scenario_name, scenario_file, scenario_hash, seed, runtime, workspace_mode, engine_version, options_json, status, started_at, ended_at, wall_ms, digest)
     VALUES (?, ?, 'scenarios/x.yaml', 'h', '7', 'process', 'none', '0.1.0', '{}', ?, ?, ?, 1200, 'd')`,
  );
  const task = db.prepare(
    `INSERT INTO tasks (run_id, task_id, cycle_no, title, proxy_size, state, review_rounds, actual_size, actual_minutes, total_minutes, sim_start_min, sim_end_min)
     VALUES (?, ?, ?, ?, 100, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const step = db.prepare(
    `INSERT INTO step_results (run_id, task_id, step, round, persona, job_id, listener_id, user_id, attempts, minutes, queue_wait_ms, processing_ms, latency_ms, cost_usd, result_json, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, 'l1', 'u', 1, ?, 5, 2, 9, ?, '{}', ?)`,
  );
  const time = db.prepare('INSERT INTO time_log (run_id, task_id, phase, step, round, persona, minutes) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const defect = db.prepare(
    `INSERT INTO defect_log (run_id, task_id, defect_id, type, type_code, severity, phase_injected, phase_removed, found_by, fix_minutes, escaped)
     VALUES (?, ?, ?, 'Function', 80, 'major', 'code', ?, ?, 10, ?)`,
  );
  const estimate = db.prepare(
    `INSERT INTO estimates (run_id, task_id, proxy_size, size_method, projected_size, size_lpi70, size_upi70, size_lpi90, size_upi90, time_method, projected_minutes,
       time_lpi70, time_upi70, time_lpi90, time_upi90, history_n, estimate_json, actual_size, actual_minutes)
     VALUES (?, ?, 100, 'A', 150, 120, 180, 100, 200, 'A', 600, 500, 700, 400, 800, 10, ?, ?, ?)`,
  );
  const estimateJson = JSON.stringify({
    size: {
      projected: 150,
      r2: 0.8,
      intervals: [
        { percent: 70, lpi: 120, upi: 180 },
        { percent: 90, lpi: 100, upi: 200 },
      ],
    },
    time: {
      projected: 600,
      r2: 0.8,
      intervals: [
        { percent: 70, lpi: 500, upi: 700 },
        { percent: 90, lpi: 400, upi: 800 },
      ],
    },
  });
  db.transaction(() => {
    for (const [r, runId] of ['run-a', 'run-b'].entries()) {
      run.run(runId, `Scenario ${r}`, r === 0 ? 'completed' : 'failed', `2026-01-0${r + 1}T10:00:00.000Z`, `2026-01-0${r + 1}T10:00:01.200Z`);
      db.prepare('INSERT INTO cycles (run_id, cycle_no, name, task_count, sim_start_min, sim_end_min) VALUES (?, 0, ?, 2, 0, 900)').run(runId, 'Cycle 1');
      for (const [i, taskId] of ['t1', 't2'].entries()) {
        const done = r === 0 || i === 0;
        task.run(runId, taskId, 0, `Task ${taskId}`, done ? 'done' : 'failed', 1 + i, 160 + i * 30, 650, 800, i * 100, 800 + i * 100);
        step.run(runId, taskId, 'implement', 0, 'alex', `${runId}:${taskId}:i`, 600, 0.5, `2026-01-0${r + 1}T10:00:00.${300 + i}Z`);
        step.run(runId, taskId, 'review', 1, 'sarah', `${runId}:${taskId}:r`, 60, 0, `2026-01-0${r + 1}T10:00:00.${600 + i}Z`);
        time.run(runId, taskId, 'code', 'implement', 0, 'alex', 600);
        time.run(runId, taskId, 'code-review', 'review', 1, 'sarah', 60);
        db.prepare('INSERT INTO size_log (run_id, task_id, step, round, added, modified, deleted, added_modified, measured_by) VALUES (?, ?, ?, 0, 160, 0, 0, 160, ?)').run(
          runId,
          taskId,
          'implement',
          'model',
        );
        defect.run(runId, taskId, `${taskId}-d1`, 'code-review', 'sarah', 0);
        defect.run(runId, taskId, `${taskId}-d2`, null, null, 1);
        estimate.run(runId, taskId, estimateJson, 160 + i * 30, 650);
      }
    }
  })();
  db.close();
}

/** Every row of every v1 table; with `like`, only the columns `like` has (later migrations may add columns). */
function dump(path: string, like?: Record<string, unknown[]>): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(
      TABLES.map((t) => {
        const rows = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all() as Record<string, unknown>[];
        const columns = like?.[t]?.[0] ? Object.keys(like[t][0] as object) : undefined;
        return [t, columns ? rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]]))) : rows];
      }),
    );
  } finally {
    db.close();
  }
}

describe('telemetry migrations', () => {
  it('migrates a v1 database holding data to the latest version, keeping every row, with a backup', () => {
    dir = mkdtempSync(join(tmpdir(), 'asp-migrate-'));
    const path = join(dir, 'asp_telemetry.db');
    v1Database(path);
    const before = dump(path);
    expect(before.runs).toHaveLength(2);
    expect(before.defect_log).toHaveLength(8);

    const store = new SqliteTelemetryStore(path);
    const report = store.migrate();
    expect(report).toMatchObject({ from: 1, to: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version).filter((v) => v > 1) });
    expect(report.backup && existsSync(report.backup)).toBe(true);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    // Existing writer code keeps working on the migrated schema.
    const record = {
      runId: 'run-c',
      scenarioName: 'After',
      scenarioFile: 'x.yaml',
      scenarioHash: 'h',
      scenarioSource: 'name: After',
      seed: '1',
      runtime: 'process',
      workspaceMode: 'none',
      engineVersion: '0.1.0',
      options: {},
      startedAt: '2026-01-03T10:00:00.000Z',
    };
    store.createRun(record); // passed as a variable: type-checks with or without newer RunRecord fields
    store.recordCycle('run-c', 0, 'Cycle 1', 0);
    store.finishRun('run-c', 'completed', { wallMs: 5 });
    expect(store.migrate()).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] });
    store.close();

    const after = dump(path, before);
    for (const table of TABLES) {
      const rows = table === 'runs' || table === 'cycles' ? after[table]?.filter((r) => (r as { run_id: string }).run_id !== 'run-c') : after[table];
      expect(rows, table).toEqual(before[table]);
    }
    expect(dump(report.backup!)).toEqual(before);

    // The new view agrees with the rows it summarises.
    withReadOnlyStore(path, (db) => {
      const runs = listRuns(db);
      expect(runs.map((r) => r.run_id)).toEqual(['run-c', 'run-b', 'run-a']);
      expect(runs.find((r) => r.run_id === 'run-b')).toMatchObject({
        tasks: 2,
        tasks_done: 1,
        tasks_failed: 1,
        review_rounds: 3,
        defects_injected: 4,
        defects_removed: 2,
        defects_escaped: 2,
        steps: 4,
        cost_usd: 1,
        sim_minutes: 900,
      });
      const data = runDashboardData(db, 'run-a');
      expect(data?.cycles[0]).toMatchObject({ cycle: 1, tasks: 2, done: 2, cycleMinutes: 900, defectsInjected: 4, removedInReview: 2, escaped: 2 });
      expect(data?.estimates.accuracy.tasks).toBe(2);
      expect(data?.estimates.accuracy.size.hitRates.find((h) => h.percent === 70)).toMatchObject({ hits: 1, count: 2 });
      expect(data?.defects.phases.find((p) => p.phase === 'code-review')).toMatchObject({ removed: 2, present: 4, yield: 0.5 });
    });
  });

  it('`asp admin migrate` migrates and then says there is nothing to do; a newer schema is refused untouched', async () => {
    dir = mkdtempSync(join(tmpdir(), 'asp-migrate-'));
    const path = join(dir, 'asp_telemetry.db');
    v1Database(path);
    const first = await runCli(['admin', 'migrate', '--db', path]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`migrated v1 → v${LATEST_SCHEMA_VERSION}`);
    const second = await runCli(['admin', 'migrate', '--db', path]);
    expect(second.stdout).toContain('nothing to do');

    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
    db.close();
    const before = dump(path);
    const refused = await runCli(['admin', 'migrate', '--db', path]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/schema version 99, newer than this engine/);
    expect(dump(path)).toEqual(before);
  });
});
