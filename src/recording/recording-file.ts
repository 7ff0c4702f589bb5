import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LineIndexer } from './recording-index.ts';
import { indexPath, writeIndexFile } from './recording-index-file.ts';
import { MAX_LINE_BYTES } from './recording-bytes.ts';

/**
 * The recording's files: plain NDJSON while the run writes it, gzip once the
 * run ended. The gzip file is a series of members of at most CHUNK bytes of
 * text each (a valid gzip stream), so compressing takes flat memory however
 * long the recording is.
 */
const CHUNK = 1 << 20;

export const compressedPath = (plain: string) => `${plain}.gz`;

/**
 * recording.ndjson → recording.ndjson.gz (the plain file is removed), and
 * beside it the index replay would otherwise make in a first pass over the
 * file (recording-index-file.ts), built from the text on the way.
 */
export function compressRecording(plain: string): void {
  const target = compressedPath(plain);
  const partial = `${target}.partial`;
  const input = openSync(plain, 'r');
  const output = openSync(partial, 'w');
  const indexer = new LineIndexer(MAX_LINE_BYTES);
  const sha = createHash('sha256');
  let bytes = 0;
  try {
    const buf = Buffer.alloc(CHUNK);
    let n: number;
    while ((n = readSync(input, buf, 0, CHUNK, null)) > 0) {
      const text = buf.subarray(0, n);
      indexer.push(text);
      const gz = gzipSync(text, { level: 6 });
      sha.update(gz);
      bytes += gz.length;
      writeSync(output, gz);
    }
  } finally {
    closeSync(input);
    closeSync(output);
  }
  rmSync(indexPath(target), { force: true });
  renameSync(partial, target);
  rmSync(plain);
  const index = indexer.end();
  try {
    if (index) writeIndexFile(target, index, { bytes, sha256: sha.digest('hex') });
  } catch {
    // Only a shortcut: without it replay indexes the recording itself.
  }
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
    rmSync(indexPath(gz), { force: true });
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
