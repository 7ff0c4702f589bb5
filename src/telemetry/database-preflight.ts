import { closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AspError } from '../errors.ts';
import { databaseFiles, unwritableDatabaseFile } from './database-files.ts';

/**
 * Checks, before a run writes anything, that the telemetry database can be
 * written: the file (and its -wal/-shm companions) opens for writing and its
 * folder lets SQLite create its journal files. SQLite itself would open a
 * file it may not write (read-only mount, `chattr +i`, mode 0444 for a
 * non-root user) read-only and fail only at the first write, after the run
 * started. Leaves nothing behind. Throws AspError('DATABASE', exit 2) naming
 * the file and what to do.
 */
export function checkDatabaseWritable(dbPath: string): void {
  const fail = (what: string, err?: unknown): never => {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    throw new AspError('DATABASE', `the telemetry database ${dbPath} cannot be written: ${what}${code ? ` (${code})` : ''}`, {
      exitCode: 2,
      ...(err === undefined ? {} : { cause: err }),
      hint: 'make the file and its folder writable (chmod u+w, chattr -i, a read-write mount), or pass another database with --db / ASP_DB',
    });
  };
  for (const file of databaseFiles(dbPath)) if (existsSync(file) && !statSync(file).isFile()) fail(`${file} is not a regular file`);
  const denied = unwritableDatabaseFile(dbPath);
  if (denied) fail(`${denied.file} is read-only`, denied.err);
  // The nearest existing folder must accept new files (the database, its -wal and -shm).
  let dir = dirname(dbPath);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) fail(`${dir} is not a folder`);
  const probe = join(dir, `.asp-write-check-${process.pid}-${Date.now()}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (err) {
    fail(`its folder ${dir} does not accept new files`, err);
  }
  unlinkSync(probe);
}
