import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { holdWriteLock, pacedScenario, readDb, runWithSteps, spawnAsp, until, referenceRun, resumeToReference, type Reference } from '../support/fault-helpers.ts';
import { lastJson, TempRun } from '../support/temp-run.ts';

/**
 * Database faults in the middle of a run, against a real SQLite file and the
 * real CLI: another process holding the write lock past the busy timeout (the
 * runner used to die of an uncaught `SqliteError: database is locked` with a
 * stack trace), and the files made immutable (a silent SIGBUS). Now a lock is
 * waited out with bounded retries; one that outlasts them, or files that can
 * no longer be written, stop the run resumably (exit 3, the file named), and
 * `--resume` finishes it with the undisturbed digest, no step lost.
 */
const BUSY_ENV = { ASP_DB_BUSY_TIMEOUT_MS: '500', ASP_DB_BUSY_RETRIES: '3' };
let temp: TempRun;
let release: (() => Promise<void>) | undefined;
let immutable: string[] = [];
afterEach(async () => {
  await release?.();
  release = undefined;
  if (immutable.length > 0) execFileSync('chattr', ['-i', ...immutable]);
  immutable = [];
  temp?.cleanup();
});

let ref: Reference;
beforeAll(async () => {
  ref = await referenceRun();
});

function startPacedRun() {
  const file = join(temp.dir, 'paced.yaml');
  writeFileSync(file, pacedScenario(400));
  return spawnAsp(['simulate', file, '--json', ...temp.cliArgs()], BUSY_ENV);
}

function expectCleanResumableStop(stderr: string, runId: string): void {
  expect(stderr).toContain(temp.dbPath);
  expect(stderr).toContain(`npm run simulate -- --resume ${runId}`);
  expect(stderr).not.toMatch(/SqliteError|at .*\.ts:\d+|Bus error/);
}

describe('database faults mid-run', () => {
  it('a write lock held past the busy timeout for a while: waited out with retries, the run completes with the undisturbed digest', async () => {
    temp = new TempRun();
    const run = startPacedRun();
    await until(() => runWithSteps(temp.dbPath, 3), 90_000, 'three stored steps');
    const lock = await holdWriteLock(temp.dbPath);
    release = lock.release;
    await new Promise((r) => setTimeout(r, 1500)); // three busy timeouts
    await lock.release();
    const ended = await run.exit;
    expect(run.stderr()).not.toMatch(/SqliteError|locked|at .*\.ts:\d+/);
    expect(ended.code).toBe(0);
    expect(lastJson<{ digest: string }>(run.stdout()).digest).toBe(ref.digest);
  }, 300_000);

  it('a write lock held for good: exit 3 naming the file, no stack trace; --resume finishes the run, no step lost', async () => {
    temp = new TempRun();
    const run = startPacedRun();
    const runId = await until(() => runWithSteps(temp.dbPath, 3), 90_000, 'three stored steps');
    const lock = await holdWriteLock(temp.dbPath);
    release = lock.release;
    const ended = await run.exit;
    expect(run.stderr()).toMatch(/the telemetry database .* stayed locked by another process \(4 tries/);
    expectCleanResumableStop(run.stderr(), runId);
    expect(ended.code).toBe(3);
    await lock.release();
    expect(readDb(temp.dbPath, (db) => db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE run_id = ? AND state = 'failed'").get(runId))).toEqual({ n: 0 });
    await resumeToReference(temp, runId, ref);
  }, 300_000);

  it.runIf(process.getuid?.() === 0)(
    'the database files made immutable (chattr +i): exit 3 naming the file, not SIGBUS; --resume finishes the run',
    async () => {
      temp = new TempRun();
      const run = startPacedRun();
      const runId = await until(() => runWithSteps(temp.dbPath, 3), 90_000, 'three stored steps');
      immutable = [temp.dbPath, `${temp.dbPath}-wal`, `${temp.dbPath}-shm`];
      execFileSync('chattr', ['+i', ...immutable]);
      const ended = await run.exit;
      expect(ended.signal).toBeNull();
      expect(run.stderr()).toMatch(/the telemetry database .* is no longer writable \(EPERM on .*: read-only or immutable\)/);
      expectCleanResumableStop(run.stderr(), runId);
      expect(ended.code).toBe(3);
      execFileSync('chattr', ['-i', ...immutable]);
      immutable = [];
      await resumeToReference(temp, runId, ref);
    },
    300_000,
  );
});
