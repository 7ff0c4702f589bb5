import type { RunObserver } from '../engine/run-observer.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import { TelemetryWriter } from '../telemetry/telemetry-writer.ts';

/**
 * The run's telemetry: cycles, task starts, step results and outcomes (with
 * their simulated calendar spans) go to the database through the single
 * writer. Critical: a database failure fails the run, it is never skipped.
 */
export class TelemetryObserver implements RunObserver {
  readonly critical = true;
  private readonly writer: TelemetryWriter;

  constructor(
    private readonly store: TelemetryStore,
    private readonly runId: string,
    /** Lean runs write each outcome as it comes (no calendar). */
    private readonly lean: boolean,
  ) {
    this.writer = new TelemetryWriter(store, runId);
  }

  cycleStarted({ cycle, name, size }: { cycle: number; name: string; size: number }): void {
    this.store.recordCycle(this.runId, cycle, name, size);
  }

  taskStarted(task: Parameters<NonNullable<RunObserver['taskStarted']>>[0]): void {
    this.writer.taskStart(task);
  }

  resultReceived({ taskId, round, jobId, envelope }: Parameters<NonNullable<RunObserver['resultReceived']>>[0]): void {
    this.writer.step({ runId: this.runId, taskId, round, jobId, result: envelope.result, meta: envelope.meta, receivedAt: Date.now() });
  }

  taskFinished(outcome: Parameters<NonNullable<RunObserver['taskFinished']>>[0]): void {
    if (this.lean) this.writer.outcome(outcome, null);
  }

  cycleFinished({ cycle, outcomes, calendar }: Parameters<NonNullable<RunObserver['cycleFinished']>>[0]): void {
    if (calendar) {
      outcomes.forEach((o, i) => {
        const span = calendar.tasks[i];
        this.writer.outcome(o, { startMin: span?.startMin ?? calendar.startMin, endMin: span?.endMin ?? calendar.startMin });
      });
    }
    this.writer.flush();
    this.store.finishCycle(this.runId, cycle, calendar?.startMin ?? null, calendar?.endMin ?? null);
  }

  /** Writes what is still buffered (an interrupted cycle's step results); returns how many records could not be written. */
  flush(): number {
    this.writer.flush();
    return this.writer.unwritten;
  }
}
