import { recordingByteStream } from './recording-bytes.ts';

/** What a first, cheap pass over a recording tells before it is replayed. */
export interface RecordingIndex {
  lineCount: number;
  /** Resume lines (the run was resumed this many times). */
  resumes: number;
  /** The last footer line, unless a resume line follows it. */
  footer: { line: number; text: string } | undefined;
  /** Task id → the number of its last line, in the order tasks first appear. */
  lastLines: Map<string, number>;
}

/** A task line as the recorder writes it: kind, seq and task id first (JSON.stringify keeps that order). */
const TASK_LINE = /\{"kind":"(?:dispatch|result|event)","seq":\d+,"taskId":"([^"\\]*)"/y;

/**
 * Reads a recording once without parsing it (decompression and a look at
 * the start of each line): its line count, footer and the last line of every
 * task, so that replay can then stream it and know when it has read all of a
 * task. Memory: one entry per task, never the lines. Returns undefined when
 * anything looks wrong (a gzip error, an overlong line, a line it cannot
 * place): the caller then reads the recording in order, which reports the
 * first bad line as it always did.
 */
export async function indexRecording(file: string, maxLineBytes: number): Promise<RecordingIndex | undefined> {
  const { raw, input } = recordingByteStream(file);
  const indexer = new LineIndexer(maxLineBytes);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) if (!indexer.push(chunk)) return undefined;
  } catch {
    return undefined;
  } finally {
    raw.destroy();
  }
  return indexer.end();
}

/**
 * Builds a RecordingIndex from the recording's text, pushed in chunks of any
 * size (the index pass above, or the recorder as it compresses the file).
 */
export class LineIndexer {
  private readonly index: RecordingIndex = { lineCount: 0, resumes: 0, footer: undefined, lastLines: new Map() };
  /** The bytes of a line not yet ended (only lines that span chunks are copied). */
  private carry: Buffer[] = [];
  private carried = 0;
  private failed = false;

  constructor(private readonly maxLineBytes: number) {}

  /** False once a line cannot be placed (the index is then of no use). */
  push(chunk: Buffer): boolean {
    if (this.failed) return false;
    const { index, maxLineBytes } = this;
    let from = 0;
    for (let nl = chunk.indexOf(NL); nl >= 0; nl = chunk.indexOf(NL, from)) {
      let ok: boolean;
      if (this.carried > 0) {
        const line = Buffer.concat([...this.carry, chunk.subarray(0, nl)]);
        this.carry = [];
        this.carried = 0;
        ok = line.length <= maxLineBytes && place(index, line, 0, line.length);
      } else ok = nl - from <= maxLineBytes && place(index, chunk, from, nl);
      if (!ok) return this.fail();
      from = nl + 1;
    }
    if (from < chunk.length) {
      this.carry.push(Buffer.from(chunk.subarray(from)));
      this.carried += chunk.length - from;
      if (this.carried > maxLineBytes) return this.fail();
    }
    return true;
  }

  /** The index of everything pushed; undefined when a line could not be placed. */
  end(): RecordingIndex | undefined {
    if (this.failed) return undefined;
    if (this.carried > 0) {
      const line = Buffer.concat(this.carry);
      this.carry = [];
      this.carried = 0;
      if (!place(this.index, line, 0, line.length)) return undefined;
    }
    return this.index;
  }

  private fail(): false {
    this.failed = true;
    this.carry = [];
    return false;
  }
}

const NL = 0x0a;
const KIND_KEY = Buffer.from('"kind":');
const TASK_KEY = Buffer.from('"taskId":');
/** Enough of a line's start to hold the kind, seq and a task id of up to 100 characters. */
const HEAD_BYTES = 512;

/** Counts the line bytes[from, to) and notes what it is; false when it cannot tell. */
function place(index: RecordingIndex, bytes: Buffer, from: number, to: number): boolean {
  const n = ++index.lineCount;
  const head = bytes.toString('utf8', from, Math.min(to, from + HEAD_BYTES));
  TASK_LINE.lastIndex = 0;
  const m = TASK_LINE.exec(head);
  if (m) {
    const after = from + Buffer.byteLength(m[0]);
    // Trusted only when the line names no second kind or task id (JSON.parse would take the last one).
    if (!again(bytes, KIND_KEY, after, to) && !again(bytes, TASK_KEY, after, to)) {
      note(index, m[1] as string, n);
      return true;
    }
  }
  const text = bytes.toString('utf8', from, to);
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return false;
  }
  if (!line || typeof line !== 'object') return false;
  const { kind, taskId } = line as { kind?: unknown; taskId?: unknown };
  if (kind === 'footer') index.footer = { line: n, text };
  else if (kind === 'resume') {
    index.resumes++;
    index.footer = undefined;
  } else if (kind === 'dispatch' || kind === 'result' || kind === 'event') {
    if (typeof taskId !== 'string') return false;
    note(index, taskId, n);
  } else if (kind !== 'header') return false;
  return true;
}

/** Setting an existing key keeps its place: the map stays in order of first appearance. */
function note(index: RecordingIndex, taskId: string, n: number): void {
  index.lastLines.set(taskId, n);
}

function again(bytes: Buffer, needle: Buffer, from: number, to: number): boolean {
  const at = bytes.indexOf(needle, from);
  return at >= 0 && at < to;
}
