import type { TaskOutcome, TaskSubject } from '../workflow/task-types.ts';
import type { StepRecord, TelemetryStore } from './telemetry-store.ts';

/**
 * The run's single database writer. Task starts, step results and task
 * outcomes are buffered and written in one transaction per batch (every `flushMs` or
 * `maxBatch` records), which keeps SQLite far from the hot path of large
 * runs. Each step result is still stored exactly once (the store ignores a
 * repeat of the same task/step/round).
 */
export class TelemetryWriter {
  private starts: TaskSubject[] = [];
  private steps: StepRecord[] = [];
  private outcomes: Array<{ outcome: TaskOutcome; sim: { startMin: number; endMin: number } | null }> = [];
  private timer: NodeJS.Timeout | undefined;
  private written = 0;
  /** Why the last flush failed (undefined after a flush that wrote). */
  lastError: unknown;

  constructor(
    private readonly store: TelemetryStore,
    private readonly runId: string,
    private readonly options: { flushMs?: number; maxBatch?: number } = {},
  ) {}

  /** Rows-producing records written so far (steps and outcomes). */
  get recordsWritten(): number {
    return this.written;
  }

  /** A task's row (state running); written before the step results and outcomes of the same batch. */
  taskStart(task: TaskSubject): void {
    this.starts.push(task);
    this.schedule();
  }

  step(record: StepRecord): void {
    this.steps.push(record);
    this.schedule();
  }

  outcome(outcome: TaskOutcome, sim: { startMin: number; endMin: number } | null): void {
    this.outcomes.push({ outcome, sim });
    this.schedule();
  }

  private schedule(): void {
    if (this.starts.length + this.steps.length + this.outcomes.length >= (this.options.maxBatch ?? 500)) {
      this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.flushMs ?? 100);
      this.timer.unref();
    }
  }

  /** Writes everything buffered in one transaction; on failure keeps it buffered (see `unwritten`). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.starts.length === 0 && this.steps.length === 0 && this.outcomes.length === 0) return;
    const starts = this.starts;
    const steps = this.steps;
    const outcomes = this.outcomes;
    this.starts = [];
    this.steps = [];
    this.outcomes = [];
    try {
      this.store.batch(() => {
        for (const t of starts) this.store.recordTaskStart(this.runId, t);
        for (const s of steps) this.store.recordStep(s);
        for (const o of outcomes) this.store.recordTaskOutcome(this.runId, o.outcome, o.sim);
      });
    } catch (err) {
      // Kept, in order, for the next flush; the store already reported the failure (the run stops).
      // Never thrown: a flush runs from a timer, where an error would kill the process.
      this.starts = starts.concat(this.starts);
      this.steps = steps.concat(this.steps);
      this.outcomes = outcomes.concat(this.outcomes);
      this.lastError = err;
      return;
    }
    this.lastError = undefined;
    this.written += steps.length + outcomes.length;
  }

  /** Records buffered and not yet written (after a failed flush). */
  get unwritten(): number {
    return this.starts.length + this.steps.length + this.outcomes.length;
  }
}
