import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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
  type ResultLine,
} from './recording-schema.ts';

type At<T> = T & { line: number };

/** Everything recorded about one task, in write order. */
export interface TaskRecording {
  taskId: string;
  events: At<EventLine>[];
  dispatches: At<DispatchLine>[];
  /** By stepKey(step, round). */
  results: Map<string, At<ResultLine>>;
  /** Error events by stepKey(step, round): the step's actor failed. */
  errors: Map<string, At<EventLine>>;
  lastLine: number;
}

export interface Recording {
  file: string;
  header: HeaderLine;
  footer: At<FooterLine>;
  tasks: Map<string, TaskRecording>;
  lineCount: number;
}

/** `runs/<runId>` or a recording file → the recording file. */
export function recordingPath(pathOrDir: string): string {
  try {
    if (statSync(pathOrDir).isDirectory()) return join(pathOrDir, 'recording.ndjson');
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
 * Reads and validates a recording. Throws AspError('RECORDING_CORRUPT',
 * exit 2) naming the file and line for bad JSON, a schema failure, a line out
 * of place, or a missing footer (a crashed run).
 */
export async function readRecording(pathOrDir: string): Promise<Recording> {
  const file = recordingPath(pathOrDir);
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw corrupt(file, undefined, `cannot read the recording (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'give a run folder (runs/<runId>) or its recording.ndjson');
  }
  if (size === 0) throw corrupt(file, 1, 'the recording is empty (the run stopped before it started)');
  const endsWithNewline = lastByte(file, size) === 0x0a;

  let header: HeaderLine | undefined;
  let footer: At<FooterLine> | undefined;
  const tasks = new Map<string, TaskRecording>();
  const taskOf = (taskId: string): TaskRecording => {
    let t = tasks.get(taskId);
    if (!t) tasks.set(taskId, (t = { taskId, events: [], dispatches: [], results: new Map(), errors: new Map(), lastLine: 0 }));
    return t;
  };

  let n = 0;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const text of lines) {
    n++;
    const parsed = parseLine(file, n, text, () => !endsWithNewline);
    if (n === 1 && parsed.kind !== 'header') throw corrupt(file, n, `expected the header line first, found a "${parsed.kind}" line`);
    if (footer) throw corrupt(file, n, `a "${parsed.kind}" line after the footer (line ${footer.line})`);
    switch (parsed.kind) {
      case 'header':
        if (n !== 1) throw corrupt(file, n, 'a second header line');
        header = parsed;
        checkSource(file, parsed);
        if (parsed.resumed) {
          throw corrupt(file, 1, `run ${parsed.runId} was resumed after a crash: tasks that finished before the crash were taken from the database, not re-driven, so this recording cannot be replayed`, 'the first attempt is in recording.before-resume.ndjson; to verify the scenario, run it again and replay that run');
        }
        break;
      case 'footer':
        footer = { ...parsed, line: n };
        break;
      case 'dispatch': {
        const t = taskOf(parsed.taskId);
        t.dispatches.push({ ...parsed, line: n });
        t.lastLine = n;
        break;
      }
      case 'result': {
        const t = taskOf(parsed.taskId);
        const key = stepKey(parsed.step, parsed.round);
        const previous = t.results.get(key);
        if (previous) throw corrupt(file, n, `a second result for task ${parsed.taskId} step ${parsed.step} round ${parsed.round} (first at line ${previous.line})`);
        t.results.set(key, { ...parsed, line: n });
        t.lastLine = n;
        break;
      }
      case 'event': {
        const t = taskOf(parsed.taskId);
        const at = { ...parsed, line: n };
        t.events.push(at);
        if (parsed.error) t.errors.set(stepKey(parsed.step, parsed.stepRound), at);
        t.lastLine = n;
        break;
      }
    }
  }
  if (!header) throw corrupt(file, 1, 'no header line');
  if (!footer) {
    throw corrupt(file, n + 1, `the recording ends after line ${n} without a footer: the run crashed, was killed, or is still running`, 'replay needs a finished run; record it again');
  }
  return { file, header, footer, tasks, lineCount: n };
}

function parseLine(file: string, n: number, text: string, lastLineUnterminated: () => boolean) {
  if (text.trim() === '') throw corrupt(file, n, 'an empty line');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const cut = lastLineUnterminated() ? ' — the line is cut off: the recording was truncated mid-write' : '';
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

function checkSource(file: string, header: HeaderLine): void {
  if (header.scenario.redacted) return;
  const actual = createHash('sha256').update(header.scenario.source).digest('hex');
  if (actual !== header.scenario.hash) throw corrupt(file, 1, `the recorded scenario text does not match its hash (${header.scenario.hash.slice(0, 12)}…, text hashes to ${actual.slice(0, 12)}…)`);
}

function lastByte(file: string, size: number): number | undefined {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, size - 1);
    return buf[0];
  } finally {
    closeSync(fd);
  }
}
