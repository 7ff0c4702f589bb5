import { AspError } from '../errors.ts';

// How writes to the SQLite telemetry database fail, and what the user is told.

/** A whole number ≥ 0 from the environment (ASP_DB_BUSY_TIMEOUT_MS, ASP_DB_BUSY_RETRIES), else undefined. */
export function envInt(name: string): number | undefined {
  const raw = process.env[name];
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock. */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Blocks this thread (better-sqlite3 is synchronous: a retry waits where the write waits). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A write that failed mid-run: exit 3, resumable. */
export function writeError(path: string, err: unknown, waitedMs: number, attempts: number): AspError {
  const hint = 'then resume the run (npm run simulate -- --resume <runId>); the steps not written are run again';
  if (waitedMs > 0) {
    return new AspError('DATABASE', `the telemetry database ${path} stayed locked by another process (${attempts} tries over ${Math.round(waitedMs / 1000)} s or more)`, {
      cause: err,
      exitCode: 3,
      hint: `stop the process holding the lock (another writer, or a sqlite3 shell with an open transaction), ${hint}. ASP_DB_BUSY_TIMEOUT_MS and ASP_DB_BUSY_RETRIES set how long to wait`,
    });
  }
  return new AspError('DATABASE', `cannot write to the telemetry database ${path}: ${(err as Error).message}`, {
    cause: err,
    exitCode: 3,
    hint: `check the file, its -wal and -shm files and the disk, ${hint}`,
  });
}

/** The database locked before anything was written: exit 2. */
export function lockedError(path: string, waitedMs: number, cause: unknown): AspError {
  return new AspError('DATABASE', `the telemetry database ${path} is locked by another process (waited ${waitedMs} ms for its write lock); nothing was written`, {
    cause,
    exitCode: 2,
    hint:
      'wait for the other process to finish or stop it (another `asp simulate` or `asp admin migrate` on the same file, or a sqlite3 shell with an open transaction), then run again; ' +
      'or pass another database with --db. ASP_DB_BUSY_TIMEOUT_MS sets how long to wait (default 5000)',
  });
}
