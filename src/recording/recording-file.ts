import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The recording's files: plain NDJSON while the run writes it, gzip once the
 * run ended. The gzip file is a series of members of at most CHUNK bytes of
 * text each (a valid gzip stream), so compressing takes flat memory however
 * long the recording is.
 */
const CHUNK = 1 << 20;

export const compressedPath = (plain: string) => `${plain}.gz`;

/** recording.ndjson → recording.ndjson.gz (the plain file is removed). */
export function compressRecording(plain: string): void {
  const target = compressedPath(plain);
  const partial = `${target}.partial`;
  const input = openSync(plain, 'r');
  const output = openSync(partial, 'w');
  try {
    const buf = Buffer.alloc(CHUNK);
    let n: number;
    while ((n = readSync(input, buf, 0, CHUNK, null)) > 0) writeSync(output, gzipSync(buf.subarray(0, n), { level: 6 }));
  } finally {
    closeSync(input);
    closeSync(output);
  }
  renameSync(partial, target);
  rmSync(plain);
}

/**
 * A recording a resumed run goes on with: the finished (gzip) recording of an
 * interrupted run is unpacked, a crashed run's plain prefix loses its cut-off
 * last line. Returns the file opened for appending and its number of lines,
 * or undefined when the run has no recording yet.
 */
export function reopenRecording(plain: string): { fd: number; lines: number } | undefined {
  const gz = compressedPath(plain);
  if (existsSync(gz)) {
    writeFileSync(plain, gunzipSync(readFileSync(gz)));
    rmSync(gz);
  } else if (!existsSync(plain)) {
    return undefined;
  }
  const fd = openSync(plain, 'r+');
  const buf = Buffer.alloc(CHUNK);
  let offset = 0;
  let lines = 0;
  let end = 0;
  let n: number;
  while ((n = readSync(fd, buf, 0, CHUNK, offset)) > 0) {
    for (let i = buf.indexOf(0x0a, 0); i >= 0 && i < n; i = buf.indexOf(0x0a, i + 1)) {
      lines++;
      end = offset + i + 1;
    }
    offset += n;
  }
  ftruncateSync(fd, end);
  closeSync(fd);
  return { fd: openSync(plain, 'a'), lines };
}
