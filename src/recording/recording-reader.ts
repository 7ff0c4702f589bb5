import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { z } from 'zod';
import { AspError } from '../errors.ts';
import {
  RECORDING_FORMAT,
  RecordingLineSchema,
  stepKey,
  type DispatchLine,
  type EventLine,
  type FooterLine,
  type HeaderLine,
  type RecordingLine,
  type ResultLine,
} from './recording-schema.ts';

export type At<T> = T & { line: number };

/** Everything recorded about one task, in write order (of its last attempt, for a resumed run). */
export interface TaskRecording {
  taskId: string;
  events: At<EventLine>[];
  dispatches: At<DispatchLine>[];
  /** By stepKey(step, round). */
  results: Map<string, At<ResultLine>>;
  /** Error events by stepKey(step, round): the step's actor failed. */
  errors: Map<string, At<EventLine>>;
  lastLine: number;
  /** The attempt (0, then one more per resume line) that last drove the task. */
  attempt: number;
}

export interface Recording {
  file: string;
  header: HeaderLine;
  /** Undefined when the run stopped without one (it crashed or was killed): replay goes as far as the recording. */
  footer: At<FooterLine> | undefined;
  tasks: Map<string, TaskRecording>;
  lineCount: number;
  /** Resume lines: the run was resumed this many times. */
  resumes: number;
}

/** Longest line a recording may hold (the header carries the scenario text, at most 5 MiB). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** `runs/<runId>` or a recording file → the recording file (the gzip of a finished run, else the plain one). */
export function recordingPath(pathOrDir: string): string {
  try {
    if (statSync(pathOrDir).isDirectory()) {
      const plain = join(pathOrDir, 'recording.ndjson');
      return existsSync(`${plain}.gz`) ? `${plain}.gz` : plain;
    }
  } catch {
    // reported by readRecording
  }
  return pathOrDir;
}

export function corrupt(file: string, line: number | undefined, message: string, hint?: string): AspError {
  return new AspError('RECORDING_CORRUPT', `${file}${line !== undefined ? `:${line}` : ''}: ${message}`, {
    exitCode: 2,
    hint: hint ?? 'the recording is damaged or incomplete; record the run again with `npm run simulate <scenario>`',
    details: { file, ...(line !== undefined ? { line } : {}) },
  });
}

/**
 * The recording's lines as they are read (plain or gzip, told by the first
 * bytes), numbered from 1, at most `maxLineBytes` each: a longer line stops
 * the read with RECORDING_CORRUPT (exit 2) naming it, before it is held
 * whole. Memory stays flat in the recording's length.
 */
export async function* recordingLines(file: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<{ n: number; text: string; terminated: boolean }> {
  const gzip = firstBytes(file, 2).equals(GZIP_MAGIC);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const input = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => input.destroy(err));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        n++;
        if (nl - from > maxLineBytes) throw tooLong(file, n, maxLineBytes);
        yield { n, text: text.slice(from, nl), terminated: true };
        from = nl + 1;
      }
      rest = text.slice(from);
      if (rest.length > maxLineBytes) throw tooLong(file, n + 1, maxLineBytes);
    }
  } catch (err) {
    if (err instanceof AspError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') throw corrupt(file, n + 1, `the gzip data is damaged or cut off after line ${n} (${(err as Error).message})`);
    throw corrupt(file, undefined, `cannot read the recording (${code ?? (err as Error).message})`);
  } finally {
    raw.destroy();
  }
  rest += decoder.end();
  if (rest !== '') yield { n: n + 1, text: rest, terminated: false };
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

function tooLong(file: string, n: number, max: number): AspError {
  return corrupt(file, n, `a line longer than ${max} bytes: no recording line is that long`, 'the recording is damaged or not a recording');
}

/**
 * The recording as a stream of typed, validated lines (header first), each
 * with its line number: what replay consumes. Throws RECORDING_CORRUPT (exit 2)
 * naming the file and line for bad JSON, a schema failure, a line out of
 * place, a scenario text that does not match its hash, or an overlong line.
 */
export async function* recordingEvents(pathOrDir: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<At<RecordingLine>> {
  const file = recordingPath(pathOrDir);
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    size = st.size;
  } catch (err) {
    throw corrupt(file, undefined, `cannot read the recording (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'give a run folder (runs/<runId>) or its recording.ndjson(.gz)');
  }
  if (size === 0) throw corrupt(file, 1, 'the recording is empty (the run stopped before it started)');
  let footerLine: number | undefined;
  for await (const { n, text, terminated } of recordingLines(file, maxLineBytes)) {
    const parsed = parseLine(file, n, text, terminated);
    if (n === 1 && parsed.kind !== 'header') throw corrupt(file, n, `expected the header line first, found a "${parsed.kind}" line`);
    // Only a resume may follow a footer (the footer of the interrupted attempt; the resumed one writes its own).
    if (footerLine !== undefined && parsed.kind !== 'resume') throw corrupt(file, n, `a "${parsed.kind}" line after the footer (line ${footerLine})`);
    if (parsed.kind === 'resume') footerLine = undefined;
    if (parsed.kind === 'header') {
      if (n !== 1) throw corrupt(file, n, 'a second header line');
      checkSource(file, parsed);
    }
    if (parsed.kind === 'footer') footerLine = n;
    yield { ...parsed, line: n };
  }
}

/**
 * Reads and validates a recording into its tasks. A resumed run's tasks are
 * taken from the last attempt that drove them (their earlier events are
 * superseded; steps answered from the database keep their first dispatch).
 */
export async function readRecording(pathOrDir: string, maxLineBytes = MAX_LINE_BYTES): Promise<Recording> {
  const file = recordingPath(pathOrDir);
  let header: HeaderLine | undefined;
  let footer: At<FooterLine> | undefined;
  const tasks = new Map<string, TaskRecording>();
  let attempt = 0;
  let n = 0;
  const resultAttempt = new WeakMap<At<ResultLine>, number>();
  const taskOf = (taskId: string, line: number): TaskRecording => {
    let t = tasks.get(taskId);
    if (!t) tasks.set(taskId, (t = { taskId, events: [], dispatches: [], results: new Map(), errors: new Map(), lastLine: 0, attempt }));
    if (t.attempt < attempt) {
      t.attempt = attempt;
      t.events = [];
      t.errors.clear();
    }
    t.lastLine = line;
    return t;
  };

  for await (const parsed of recordingEvents(file, maxLineBytes)) {
    n = parsed.line;
    switch (parsed.kind) {
      case 'header':
        header = parsed;
        break;
      case 'footer':
        footer = parsed;
        break;
      case 'resume':
        attempt++;
        footer = undefined;
        break;
      case 'dispatch': {
        const t = taskOf(parsed.taskId, n);
        if (!t.dispatches.some((d) => d.step === parsed.step && d.round === parsed.round)) t.dispatches.push(parsed);
        break;
      }
      case 'result': {
        const t = taskOf(parsed.taskId, n);
        const key = stepKey(parsed.step, parsed.round);
        const previous = t.results.get(key);
        // A resumed attempt reports again the results it took from the database; one attempt never twice.
        if (previous && resultAttempt.get(previous) === attempt) throw corrupt(file, n, `a second result for task ${parsed.taskId} step ${parsed.step} round ${parsed.round} (first at line ${previous.line})`);
        t.results.set(key, parsed);
        resultAttempt.set(parsed, attempt);
        break;
      }
      case 'event': {
        const t = taskOf(parsed.taskId, n);
        t.events.push(parsed);
        if (parsed.error) t.errors.set(stepKey(parsed.step, parsed.stepRound), parsed);
        break;
      }
    }
  }
  if (!header) throw corrupt(file, 1, 'no header line');
  return { file, header, footer, tasks, lineCount: n, resumes: attempt };
}

function parseLine(file: string, n: number, text: string, terminated: boolean) {
  if (text.trim() === '') throw corrupt(file, n, 'an empty line');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const cut = terminated ? '' : ' — the line is cut off: the recording was truncated mid-write';
    throw corrupt(file, n, `not valid JSON (${(err as Error).message})${cut}`);
  }
  const result = RecordingLineSchema.safeParse(data);
  if (!result.success) {
    const kind = data && typeof data === 'object' && 'kind' in data ? String((data as { kind: unknown }).kind) : '(none)';
    if (kind === 'header' && (data as { format?: unknown }).format !== RECORDING_FORMAT) {
      throw corrupt(file, n, `recording format ${String((data as { format?: unknown }).format)}; this engine reads format ${RECORDING_FORMAT}`, 'replay it with the engine version that recorded it');
    }
    throw corrupt(file, n, `a "${kind}" line that does not match the recording format: ${issues(result.error)}`);
  }
  return result.data;
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`)
    .join('; ');
}

/**
 * The scenario text must hash to the recorded hash, always: a recorder that
 * scrubbed credentials from the text (`redacted`) hashed the text it wrote.
 */
function checkSource(file: string, header: HeaderLine): void {
  const actual = createHash('sha256').update(header.scenario.source).digest('hex');
  if (actual !== header.scenario.hash) throw corrupt(file, 1, `the recorded scenario text does not match its hash (${header.scenario.hash.slice(0, 12)}…, text hashes to ${actual.slice(0, 12)}…)`);
}

function firstBytes(file: string, count: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(count);
    const n = readSync(fd, buf, 0, count, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The footer of a finished recording. A recording that ends without one (the
 * run crashed, was killed, or is still running) cannot be checked against
 * its digests: RECORDING_CORRUPT, exit 2, naming the line after the last.
 */
export function finishedFooter(recording: Recording): At<FooterLine> {
  if (recording.footer) return recording.footer;
  throw corrupt(recording.file, recording.lineCount + 1, `the recording ends after line ${recording.lineCount} without a footer: the run crashed, was killed, or is still running`, 'replay needs a finished run; finish it with `npm run simulate -- --resume <runId>` (the recording goes on) or record it again');
}
