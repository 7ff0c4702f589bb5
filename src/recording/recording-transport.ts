import { INTERRUPTED, type StepTransport, type TransportContext } from '../engine/step-transport.ts';
import { AspError } from '../errors.ts';
import type { PersonaName } from '../personas.ts';
import type { StepEnvelope, StepJob } from '../queue/job-schema.ts';
import { TeamStepFailure } from '../queue/step-failure.ts';
import type { RecordedRun } from './recording-stream.ts';
import { stepKey } from './recording-schema.ts';

/**
 * Delivers steps from a recording: the result the recorded run got for
 * (task, step, round), or its recorded error thrown again with the same
 * message. Replay is the engine on this transport, as Temporal replays a
 * history through the same worker code. A step the recorded run never ran
 * fails the task, which the replayer reports as a divergence.
 */
export class RecordingTransport implements StepTransport {
  readonly kind = 'recording';
  /** Recorded results and errors fed to the machines so far. */
  delivered = 0;
  /** Tasks waiting on a step the recording never got the result of (the run stopped with it in flight). */
  readonly stalled = new Set<string>();

  /**
   * `onProgress` (a recording without a footer): a step with no recorded
   * result waits, as it did when the run stopped, instead of failing its
   * task; the caller ends the replay once the recording is used up.
   */
  constructor(
    private readonly recording: RecordedRun,
    private readonly onProgress?: () => void,
  ) {}

  private runSignal: AbortSignal | undefined;

  async start(context: TransportContext): Promise<void> {
    this.runSignal = context.signal;
  }

  /** The recorded result, at once when the task's lines are read (a streamed recording reads on until they are). */
  deliver(_persona: PersonaName, _jobId: string, job: StepJob): Promise<StepEnvelope> | StepEnvelope {
    if (this.runSignal?.aborted) return Promise.reject(new AspError('STEP_FAILED', INTERRUPTED));
    const loading = this.recording.load(job.request.taskId);
    return loading ? loading.then(() => this.recorded(job)) : this.recorded(job);
  }

  private recorded(job: StepJob): Promise<StepEnvelope> | StepEnvelope {
    const { taskId, step, round } = job.request;
    const key = stepKey(step, round);
    const task = this.recording.task(taskId);
    const error = task?.errors.get(key);
    // Both fail the task (never stop the run, as an infrastructure fault would): the recorded
    // outcome is reproduced, and a step the recorded run never ran is a divergence the replayer reports.
    if (error?.error) {
      this.fed();
      throw new TeamStepFailure(error.error.message);
    }
    const line = task?.results.get(key);
    if (!line && this.onProgress) return this.stall(taskId);
    if (line) this.fed();
    if (!line) throw new TeamStepFailure(`replay: the recorded run has no result for task ${taskId} step ${step} round ${round}`);
    return { result: line.result, meta: line.meta } as StepEnvelope;
  }

  private fed(): void {
    this.delivered++;
    this.onProgress?.();
  }

  private stall(taskId: string): Promise<never> {
    this.stalled.add(taskId);
    // Waits until the replay ends (the run's signal).
    const waiting = new Promise<never>((_, reject) => {
      const stop = () => reject(new AspError('STEP_FAILED', INTERRUPTED));
      if (this.runSignal?.aborted) stop();
      else this.runSignal?.addEventListener('abort', stop, { once: true });
    });
    this.onProgress?.();
    return waiting;
  }

  async close(): Promise<void> {}
}
