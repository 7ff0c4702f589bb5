import { closeSync, createReadStream, openSync, readSync, type ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Longest line a recording may hold (the header carries the scenario text, at most 5 MiB). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Whether the file starts with the gzip magic bytes (a finished run's recording). */
function isGzipFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    return readSync(fd, buf, 0, 2, 0) === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/**
 * The recording's text as a stream of bytes, gunzipped when the file is gzip
 * (1 MiB reads, 256 KiB chunks out). A read error ends `input` with it. The
 * caller destroys `raw` when done (also when it stops early).
 */
export function recordingByteStream(file: string): { raw: ReadStream; input: Readable } {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const input = isGzipFile(file) ? raw.pipe(createGunzip({ chunkSize: 1 << 18 })) : raw;
  raw.on('error', (err) => input.destroy(err));
  return { raw, input };
}
