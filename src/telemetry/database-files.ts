import { accessSync, constants } from 'node:fs';

/** The telemetry database's files: the database, its WAL and its shared-memory index. */
export function databaseFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

/** The first of the database's files this process may not write (read-only, immutable, read-only mount); undefined when all are writable or absent. */
export function unwritableDatabaseFile(path: string): { file: string; code: string; err: unknown } | undefined {
  for (const file of databaseFiles(path)) {
    try {
      accessSync(file, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (code !== 'ENOENT') return { file, code, err };
    }
  }
  return undefined;
}
