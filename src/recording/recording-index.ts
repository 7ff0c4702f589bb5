import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

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
  const gzip = isGzip(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const input = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 18 })) : raw;
  raw.on('error', (err) => input.destroy(err));
  const decoder = new StringDecoder('utf8');
  const index: RecordingIndex = { lineCount: 0, resumes: 0, footer: undefined, lastLines: new Map() };
  let rest = '';
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        if (nl - from > maxLineBytes || !place(index, text, from, nl)) return undefined;
        from = nl + 1;
      }
      rest = text.slice(from);
      if (rest.length > maxLineBytes) return undefined;
    }
  } catch {
    return undefined;
  } finally {
    raw.destroy();
  }
  rest += decoder.end();
  if (rest !== '' && !place(index, rest, 0, rest.length)) return undefined;
  return index;
}

/** Counts the line text[from, to) and notes what it is; false when it cannot tell. */
function place(index: RecordingIndex, text: string, from: number, to: number): boolean {
  const n = ++index.lineCount;
  TASK_LINE.lastIndex = from;
  const m = TASK_LINE.exec(text);
  // Trusted only when the line names no second kind or task id (JSON.parse would take the last one).
  if (m && TASK_LINE.lastIndex <= to && !again(text, '"kind":', TASK_LINE.lastIndex, to) && !again(text, '"taskId":', TASK_LINE.lastIndex, to)) {
    note(index, m[1] as string, n);
    return true;
  }
  let line: unknown;
  try {
    line = JSON.parse(text.slice(from, to));
  } catch {
    return false;
  }
  if (!line || typeof line !== 'object') return false;
  const { kind, taskId } = line as { kind?: unknown; taskId?: unknown };
  if (kind === 'footer') index.footer = { line: n, text: text.slice(from, to) };
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

const again = (text: string, needle: string, from: number, to: number) => {
  const at = text.indexOf(needle, from);
  return at >= 0 && at < to;
};

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    return readSync(fd, buf, 0, 2, 0) === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
