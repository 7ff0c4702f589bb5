import { TaskCollector, type At, type TaskRecording } from './recorded-tasks.ts';
import { indexRecording, type RecordingIndex } from './recording-index.ts';
import { indexPath, readIndexFile } from './recording-index-file.ts';
import { corrupt, MAX_LINE_BYTES, parseLine, readRecording, recordingEventBatches, recordingPath, type Recording } from './recording-reader.ts';
import type { FooterLine, HeaderLine, RecordingLine } from './recording-schema.ts';

/**
 * A recording as replay reads it: the header, footer and line count up
 * front, each task's lines once it is loaded. A streamed recording holds
 * only the tasks loaded and not yet released, so memory stays flat in the
 * recording's length (beyond one entry per task).
 */
export interface RecordedRun {
  readonly file: string;
  readonly header: HeaderLine;
  /** Undefined when the run stopped without one (it crashed or was killed). */
  readonly footer: At<FooterLine> | undefined;
  readonly lineCount: number;
  readonly resumes: number;
  /** True when the recording has lines of this task. */
  has(taskId: string): boolean;
  /** The recorded tasks, in the order they first appear. */
  taskIds(): Iterable<string>;
  /** Reads on until every line of the task is in task(); undefined when that is so already. */
  load(taskId: string): Promise<void> | undefined;
  task(taskId: string): TaskRecording | undefined;
  /** Replay is done with the task: its lines may go. */
  release(taskId: string): void;
  /**
   * Reads (and so checks) the rest of the recording; throws RECORDING_CORRUPT
   * for a bad line anywhere. Of the tasks read on the way, only those `keep`
   * says stay in task().
   */
  finish(keep?: (taskId: string) => boolean): Promise<void>;
  /** The error that stopped the reading (a bad line), once there was one. */
  readonly error: unknown;
}

/** A recording read whole (readRecording) as a RecordedRun: everything is loaded, nothing is released. */
export function wholeRecording(recording: Recording): RecordedRun {
  return {
    file: recording.file,
    header: recording.header,
    footer: recording.footer,
    lineCount: recording.lineCount,
    resumes: recording.resumes,
    has: (taskId) => recording.tasks.has(taskId),
    taskIds: () => recording.tasks.keys(),
    load: () => undefined,
    task: (taskId) => recording.tasks.get(taskId),
    release: () => undefined,
    finish: async () => undefined,
    error: undefined,
  };
}

/**
 * Opens a recording for replay, streamed: the recorder's index
 * (recording-index-file.ts) or a first pass (recording-index.ts) tells the
 * footer and each task's last line, then the lines are read and
 * validated in order as replay asks for tasks. A resumed run's recording
 * (its tasks' last attempts are known only at the end), or one the first
 * pass cannot place, is read whole as before.
 */
export async function openRecording(pathOrDir: string, maxLineBytes = MAX_LINE_BYTES): Promise<RecordedRun> {
  const file = recordingPath(pathOrDir);
  const lines = recordingEventBatches(file, maxLineBytes);
  // The first lines are read (and checked) first: a missing or empty file, or no header, is reported as ever.
  const first = await lines.next();
  const header = first.done ? undefined : first.value[0];
  if (!header || header.kind !== 'header') {
    await lines.return(undefined);
    throw corrupt(file, 1, 'no header line');
  }
  // The recorder's index when it still describes the file, else a first pass makes one.
  const stored = readIndexFile(file);
  const index = stored ?? (await indexRecording(file, maxLineBytes));
  const footer = index?.footer ? footerOf(file, index.footer) : undefined;
  if (!index || index.resumes > 0 || (index.footer && !footer)) {
    await lines.return(undefined);
    return wholeRecording(await readRecording(file, maxLineBytes));
  }
  return new StreamedRecording(file, header, footer, index, stored !== undefined, first.value, lines);
}

function footerOf(file: string, at: { line: number; text: string }): At<FooterLine> | undefined {
  try {
    const line = parseLine(file, at.line, at.text, true);
    return line.kind === 'footer' ? { ...line, line: at.line } : undefined;
  } catch {
    return undefined; // read in order, the recording reports its first bad line
  }
}

/** How many lines of tasks not yet replayed the reader holds ahead of the replay, at most (it reads no further on its own). */
const AHEAD_LINES = 4096;

class StreamedRecording implements RecordedRun {
  private readonly collector: TaskCollector;
  /** The last line read. */
  private read = 0;
  private ended = false;
  private reading: Promise<void> = Promise.resolve();
  private ahead: Promise<IteratorResult<Array<At<RecordingLine>>>> | undefined;
  error: unknown;

  constructor(
    readonly file: string,
    readonly header: HeaderLine,
    readonly footer: At<FooterLine> | undefined,
    private readonly index: RecordingIndex,
    /** The index came from the file beside the recording (else from a first pass). */
    private readonly indexStored: boolean,
    /** The first batch of lines, the header first. */
    private pending: Array<At<RecordingLine>> | undefined,
    private readonly lines: AsyncGenerator<Array<At<RecordingLine>>>,
  ) {
    this.collector = new TaskCollector((line, message) => corrupt(file, line, message));
  }

  get lineCount(): number {
    return this.index.lineCount;
  }

  get resumes(): number {
    return this.index.resumes;
  }

  has(taskId: string): boolean {
    return this.index.lastLines.has(taskId);
  }

  taskIds(): Iterable<string> {
    return this.index.lastLines.keys();
  }

  load(taskId: string): Promise<void> | undefined {
    return this.readTo(this.index.lastLines.get(taskId) ?? 0);
  }

  task(taskId: string): TaskRecording | undefined {
    return this.collector.tasks.get(taskId);
  }

  release(taskId: string): void {
    const task = this.collector.tasks.get(taskId);
    if (!task || !this.collector.tasks.delete(taskId)) return;
    this.held -= task.events.length + task.dispatches.length + task.results.size;
    this.readAhead();
    // A released task has no line left to read: one more would mean the first pass misread the recording.
    this.index.lastLines.set(taskId, 0);
  }

  async finish(keep: (taskId: string) => boolean = () => true): Promise<void> {
    this.keep = keep;
    await this.readTo(Number.POSITIVE_INFINITY);
    if (this.error !== undefined) throw this.error;
  }

  /** While finishing: whether a task read in full stays. */
  private keep: ((taskId: string) => boolean) | undefined;

  /** Reads on to line `target` (in one reader at a time); undefined when it is read already. */
  private readTo(target: number): Promise<void> | undefined {
    if (this.read >= target || this.ended) return this.error === undefined ? undefined : Promise.reject(this.error);
    this.reading = this.reading.then(() => this.pull(target));
    return this.reading;
  }

  private async pull(target: number): Promise<void> {
    if (this.error !== undefined) throw this.error;
    try {
      while (this.read < target) {
        let batch = this.pending;
        this.pending = undefined;
        if (!batch) {
          const next = await (this.ahead ?? this.lines.next());
          this.ahead = undefined;
          if (next.done) {
            this.ended = true;
            return;
          }
          batch = next.value;
          // The next batch is read and parsed while this one is replayed, so the machines seldom wait on the file.
          this.ahead = this.lines.next();
          this.ahead.catch(() => undefined); // awaited (and its error thrown) by the next pull
        }
        // A whole batch (≤ 256 KiB of text) at a time.
        for (const line of batch) this.accept(line);
      }
      this.readAhead();
    } catch (err) {
      this.error ??= err;
      this.ended = true;
      await this.lines.return(undefined).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Reads on in the background while the tasks held have fewer than
   * AHEAD_LINES lines, so that the machines find their tasks read already
   * instead of waiting on the file (decompression runs on the thread pool).
   */
  private readAhead(): void {
    if (this.aheadScheduled || this.ended || this.keep || this.held >= AHEAD_LINES) return;
    this.aheadScheduled = true;
    setImmediate(() => {
      this.aheadScheduled = false;
      if (this.ended || this.keep || this.held >= AHEAD_LINES) return;
      this.readTo(this.read + 1)?.then(
        () => this.readAhead(),
        () => undefined, // kept in this.error: the next load or finish throws it
      );
    });
  }

  private aheadScheduled = false;
  /** Lines of the tasks held (read, not yet released). */
  private held = 0;

  /** A task line after the last line the index gave its task: a hand-edited index file, or a first pass that misread the file. */
  private misplaced(n: number, taskId: string, last: number | undefined): Error {
    const said = last === undefined ? 'names no line of that task' : `gives line ${last} as its last`;
    if (!this.indexStored) return new Error(`replay: line ${n} of ${this.file} (task ${taskId}) was not where the first pass placed it: the index ${said}`);
    return corrupt(
      this.file,
      n,
      `a line of task ${taskId}, but the recording's index (${indexPath(this.file)}) ${said}`,
      `delete ${indexPath(this.file)} and replay again (replay then indexes the recording itself)`,
    );
  }

  private accept(line: At<RecordingLine>): void {
    this.read = line.line;
    if (line.kind === 'dispatch' || line.kind === 'result' || line.kind === 'event') {
      this.held++;
      const last = this.index.lastLines.get(line.taskId);
      if (last === undefined || last < line.line) throw this.misplaced(line.line, line.taskId, last);
      this.collector.add(line);
      if (this.keep && last === line.line && !this.keep(line.taskId)) this.release(line.taskId);
      return;
    }
    this.collector.add(line);
  }
}
