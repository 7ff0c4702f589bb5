import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { z } from 'zod';
import { AspError } from '../errors.ts';
import { MAX_LINE_BYTES, recordingByteStream } from './recording-bytes.ts';
import { TaskCollector, type At, type TaskRecording } from './recorded-tasks.ts';
import { checkedLine } from './recording-line-check.ts';
import { RECORDING_FORMAT, RecordingLineSchema, type FooterLine, type HeaderLine, type RecordingLine } from './recording-schema.ts';

export type { At, TaskRecording } from './recorded-tasks.ts';

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

export { MAX_LINE_BYTES } from './recording-bytes.ts';

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

type TextLine = { n: number; text: string; terminated: boolean };

/**
 * The recording's lines as they are read (plain or gzip, told by the first
 * bytes), numbered from 1, at most `maxLineBytes` each: a longer line stops
 * the read with RECORDING_CORRUPT (exit 2) naming it, before it is held
 * whole. Memory stays flat in the recording's length.
 */
export async function* recordingLines(file: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<TextLine> {
  for await (const batch of recordingLineBatches(file, maxLineBytes)) yield* batch;
}

/** recordingLines a chunk (≤ 1 MiB of the file) at a time: the lines before a bad one come first, then the error. */
async function* recordingLineBatches(file: string, maxLineBytes: number): AsyncGenerator<TextLine[]> {
  const { raw, input } = recordingByteStream(file);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      // Only a line that spans two chunks is joined: the chunk's text is never copied whole.
      const text = decoder.write(chunk);
      const batch: TextLine[] = [];
      let from = 0;
      let failure: AspError | undefined;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        n++;
        if (rest.length + nl - from > maxLineBytes) {
          failure = tooLong(file, n, maxLineBytes);
          break;
        }
        batch.push({ n, text: rest === '' ? text.slice(from, nl) : rest + text.slice(from, nl), terminated: true });
        rest = '';
        from = nl + 1;
      }
      rest = failure ? '' : rest + text.slice(from);
      if (!failure && rest.length > maxLineBytes) failure = tooLong(file, n + 1, maxLineBytes);
      if (batch.length > 0) yield batch;
      if (failure) throw failure;
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
  if (rest !== '') yield [{ n: n + 1, text: rest, terminated: false }];
}

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
  for await (const batch of recordingEventBatches(pathOrDir, maxLineBytes)) yield* batch;
}

/** recordingEvents a chunk at a time: the lines before a bad one come first, then the error. */
export async function* recordingEventBatches(pathOrDir: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Array<At<RecordingLine>>> {
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
  for await (const lines of recordingLineBatches(file, maxLineBytes)) {
    const batch: Array<At<RecordingLine>> = [];
    try {
      for (const { n, text, terminated } of lines) {
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
        // The parsed line is the schema's own copy: numbered in place.
        (parsed as At<RecordingLine>).line = n;
        batch.push(parsed as At<RecordingLine>);
      }
    } catch (err) {
      if (batch.length > 0) yield batch;
      throw err;
    }
    if (batch.length > 0) yield batch;
  }
}

/**
 * Reads and validates a whole recording into its tasks (see TaskCollector).
 * Holds every line: replay streams instead (recording-stream.ts).
 */
export async function readRecording(pathOrDir: string, maxLineBytes = MAX_LINE_BYTES): Promise<Recording> {
  const file = recordingPath(pathOrDir);
  const collector = new TaskCollector((line, message) => corrupt(file, line, message));
  for await (const batch of recordingEventBatches(file, maxLineBytes)) for (const parsed of batch) collector.add(parsed);
  const { header, footer, tasks, lineCount, attempt } = collector;
  if (!header) throw corrupt(file, 1, 'no header line');
  return { file, header, footer, tasks, lineCount, resumes: attempt };
}

export function parseLine(file: string, n: number, text: string, terminated: boolean): RecordingLine {
  if (text.trim() === '') throw corrupt(file, n, 'an empty line');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const cut = terminated ? '' : ' — the line is cut off: the recording was truncated mid-write';
    throw corrupt(file, n, `not valid JSON (${(err as Error).message})${cut}`);
  }
  // The common lines by a hand-written check that accepts only what the schema accepts; anything else (or odd) through the schema.
  const checked = checkedLine(data);
  if (checked) return checked;
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

/**
 * The footer of a finished recording. A recording that ends without one (the
 * run crashed, was killed, or is still running) cannot be checked against
 * its digests: RECORDING_CORRUPT, exit 2, naming the line after the last.
 */
export function finishedFooter(recording: Recording): At<FooterLine> {
  if (recording.footer) return recording.footer;
  throw corrupt(
    recording.file,
    recording.lineCount + 1,
    `the recording ends after line ${recording.lineCount} without a footer: the run crashed, was killed, or is still running`,
    'replay needs a finished run; finish it with `npm run simulate -- --resume <runId>` (the recording goes on) or record it again',
  );
}
