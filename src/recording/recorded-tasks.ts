import { stepKey, type DispatchLine, type EventLine, type FooterLine, type HeaderLine, type RecordingLine, type ResultLine } from './recording-schema.ts';

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

/**
 * Groups a recording's lines by task as they are read, in file order. A
 * resumed run's tasks are taken from the last attempt that drove them (their
 * earlier events are superseded; steps answered from the database keep their
 * first dispatch). The reader of a whole recording and the streamed replay
 * both collect with this, so they see the same tasks.
 */
export class TaskCollector {
  header: HeaderLine | undefined;
  footer: At<FooterLine> | undefined;
  readonly tasks = new Map<string, TaskRecording>();
  lineCount = 0;
  /** Resume lines read so far. */
  attempt = 0;
  private readonly resultAttempt = new WeakMap<At<ResultLine>, number>();

  /**
   * @param duplicate builds the error for a second result of one step in one attempt (the recording is corrupt).
   */
  constructor(private readonly duplicate: (line: number, message: string) => Error) {}

  add(parsed: At<RecordingLine>): void {
    const n = parsed.line;
    this.lineCount = n;
    switch (parsed.kind) {
      case 'header':
        this.header = parsed;
        break;
      case 'footer':
        this.footer = parsed;
        break;
      case 'resume':
        this.attempt++;
        this.footer = undefined;
        break;
      case 'dispatch': {
        const t = this.taskOf(parsed.taskId, n);
        if (!t.dispatches.some((d) => d.step === parsed.step && d.round === parsed.round)) t.dispatches.push(parsed);
        break;
      }
      case 'result': {
        const t = this.taskOf(parsed.taskId, n);
        const key = stepKey(parsed.step, parsed.round);
        const previous = t.results.get(key);
        // A resumed attempt reports again the results it took from the database; one attempt never twice.
        if (previous && this.resultAttempt.get(previous) === this.attempt) {
          throw this.duplicate(n, `a second result for task ${parsed.taskId} step ${parsed.step} round ${parsed.round} (first at line ${previous.line})`);
        }
        t.results.set(key, parsed);
        this.resultAttempt.set(parsed, this.attempt);
        break;
      }
      case 'event': {
        const t = this.taskOf(parsed.taskId, n);
        t.events.push(parsed);
        if (parsed.error) t.errors.set(stepKey(parsed.step, parsed.stepRound), parsed);
        break;
      }
    }
  }

  private taskOf(taskId: string, line: number): TaskRecording {
    let t = this.tasks.get(taskId);
    if (!t) this.tasks.set(taskId, (t = { taskId, events: [], dispatches: [], results: new Map(), errors: new Map(), lastLine: 0, attempt: this.attempt }));
    if (t.attempt < this.attempt) {
      t.attempt = this.attempt;
      t.events = [];
      t.errors.clear();
    }
    t.lastLine = line;
    return t;
  }
}
