import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { REPO, runCli, TempRun } from '../support/temp-run.ts';

let temp: TempRun | undefined;
let holder: ChildProcess | undefined;

afterEach(async () => {
  await release();
  temp?.cleanup();
  temp = undefined;
});

/**
 * Another process holding the database's write lock: `BEGIN EXCLUSIVE` in a
 * child, kept until the child is killed. `journal` chooses the file's mode
 * (WAL, as the engine makes it, or a rollback journal, where even readers wait).
 */
async function holdLock(path: string, journal: 'wal' | 'delete'): Promise<void> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('journal_mode = ${journal}');
    db.exec('CREATE TABLE IF NOT EXISTS other_app (x)');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('INSERT INTO other_app VALUES (1)').run();
    process.stdout.write('locked\\n');
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script, path], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  holder = child;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
}

async function release(): Promise<void> {
  const child = holder;
  holder = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
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
