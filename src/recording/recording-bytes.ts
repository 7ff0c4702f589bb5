import { closeSync, openSync, readSync } from 'node:fs';

/** Longest line a recording may hold (the header carries the scenario text, at most 5 MiB). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Whether the file starts with the gzip magic bytes (a finished run's recording). */
export function isGzipFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    return readSync(fd, buf, 0, 2, 0) === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
