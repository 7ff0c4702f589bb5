import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { RecordingIndex } from './recording-index.ts';

/**
 * The index of a finished recording, kept beside it (`recording.ndjson.gz.index.json`)
 * so that replay need not read the whole file once before it starts: the
 * recorder writes it as it compresses the file. It names the recording's
 * size and sha256 and is used only while they match: a recording changed
 * since (edited, cut, resumed) is indexed by its first pass as before.
 */
export const indexPath = (recording: string) => `${recording}.index.json`;

interface IndexFile {
  kind: 'recording-index';
  format: 1;
  recording: RecordingIdentity;
  lineCount: number;
  resumes: number;
  footer: { line: number; text: string } | null;
  /** [task id, last line] in the order tasks first appear. */
  tasks: Array<[string, number]>;
}

interface RecordingIdentity {
  bytes: number;
  sha256: string;
}

export function writeIndexFile(recording: string, index: RecordingIndex, identity: RecordingIdentity): void {
  const file: IndexFile = {
    kind: 'recording-index',
    format: 1,
    recording: identity,
    lineCount: index.lineCount,
    resumes: index.resumes,
    footer: index.footer ?? null,
    tasks: [...index.lastLines],
  };
  const target = indexPath(recording);
  writeFileSync(`${target}.partial`, JSON.stringify(file));
  renameSync(`${target}.partial`, target);
}

/** The recording's index when its file is there, well formed and names the recording as it is now; else undefined. */
export function readIndexFile(recording: string): RecordingIndex | undefined {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(indexPath(recording), 'utf8'));
  } catch {
    return undefined; // none, or unreadable: the first pass indexes the recording
  }
  const file = wellFormed(data);
  if (!file || !describes(file.recording, recording)) return undefined;
  return { lineCount: file.lineCount, resumes: file.resumes, footer: file.footer ?? undefined, lastLines: new Map(file.tasks) };
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

function wellFormed(data: unknown): IndexFile | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const f = data as Partial<IndexFile>;
  if (f.kind !== 'recording-index' || f.format !== 1 || !isCount(f.lineCount) || !isCount(f.resumes)) return undefined;
  if (!f.recording || !isCount(f.recording.bytes) || typeof f.recording.sha256 !== 'string') return undefined;
  const footer = f.footer;
  if (footer !== null && (!footer || typeof footer !== 'object' || !isCount(footer.line) || typeof footer.text !== 'string' || footer.line > f.lineCount)) return undefined;
  if (!Array.isArray(f.tasks)) return undefined;
  for (const entry of f.tasks) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !isCount(entry[1]) || entry[1] < 1 || entry[1] > f.lineCount) return undefined;
  }
  return f as IndexFile;
}

/** Size first (cheap), then the sha256 of the bytes, read a chunk at a time. */
function describes(identity: RecordingIdentity, recording: string): boolean {
  try {
    if (statSync(recording).size !== identity.bytes) return false;
    const sha = createHash('sha256');
    const fd = openSync(recording, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      let n: number;
      while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) sha.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return sha.digest('hex') === identity.sha256;
  } catch {
    return false;
  }
}
