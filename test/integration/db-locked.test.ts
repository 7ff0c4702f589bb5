import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { holdWriteLock } from '../support/fault-helpers.ts';
import { runCli, TempRun } from '../support/temp-run.ts';

let temp: TempRun | undefined;
let holder: { release: () => Promise<void> } | undefined;

afterEach(async () => {
  await release();
  temp?.cleanup();
  temp = undefined;
});

async function holdLock(path: string, journal: 'wal' | 'delete'): Promise<void> {
  holder = await holdWriteLock(path, journal);
}

async function release(): Promise<void> {
  const h = holder;
  holder = undefined;
  await h?.release();
}

async function simulateAgainstLockedDb(t: TempRun) {
  return runCli(['simulate', 'scenarios/task-a.yaml', '--workspace', 'none', ...t.cliArgs()], { ASP_DB_BUSY_TIMEOUT_MS: '300' });
}

function expectClearLockError(result: { code: number | null; stderr: string }, dbPath: string): void {
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`the telemetry database ${dbPath} is locked by another process`);
  expect(result.stderr).toMatch(/nothing was written/);
  expect(result.stderr).toMatch(/fix: wait for the other process to finish or stop it/);
  expect(result.stderr).toMatch(/--db/);
  expect(result.stderr).not.toMatch(/SqliteError|at .*\.ts:\d+/);
}

describe('asp simulate against a database another process has locked', () => {
  it('fails at once with a clear error, exit 2, and writes no run (WAL database, as the engine makes it)', async () => {
    temp = new TempRun();
    const store = new SqliteTelemetryStore(temp.dbPath);
    store.migrate();
    store.close();
    await holdLock(temp.dbPath, 'wal');

    const result = await simulateAgainstLockedDb(temp);
    expectClearLockError(result, temp.dbPath);
    // Nothing else happened either: no run folder, no workspace.
    expect(existsSync(temp.runsDir) ? readdirSync(temp.runsDir) : []).toEqual([]);
    expect(existsSync(temp.workspacesDir)).toBe(false);

    await release();
    const db = new Database(temp.dbPath);
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM other_app').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('says the same for a rollback-journal database locked before the engine ever migrated it', async () => {
    temp = new TempRun();
    mkdirSync(dirname(temp.dbPath), { recursive: true });
    await holdLock(temp.dbPath, 'delete');

    const result = await simulateAgainstLockedDb(temp);
    expectClearLockError(result, temp.dbPath);
    expect(existsSync(temp.runsDir) ? readdirSync(temp.runsDir) : []).toEqual([]);

    await release();
    const db = new Database(temp.dbPath);
    try {
      // Only the other process's table (its transaction rolled back): no migration, no run.
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      expect(tables).toEqual([{ name: 'other_app' }]);
      expect(db.prepare('SELECT COUNT(*) AS n FROM other_app').get()).toEqual({ n: 0 });
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    } finally {
      db.close();
    }
  });
});
