import { INTERRUPTED, type StepTransport } from '../engine/step-transport.ts';
import { AspError } from '../errors.ts';
import type { PersonaName } from '../personas.ts';
import type { StepEnvelope, StepJob } from '../queue/job-schema.ts';
import { TeamStepFailure } from '../queue/step-failure.ts';
import type { Recording } from './recording-reader.ts';
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

  constructor(private readonly recording: Recording) {}

  async start(): Promise<void> {}

  async deliver(_persona: PersonaName, _jobId: string, job: StepJob, signal: AbortSignal): Promise<StepEnvelope> {
    if (signal.aborted) throw new AspError('STEP_FAILED', INTERRUPTED);
    const { taskId, step, round } = job.request;
    const key = stepKey(step, round);
    const task = this.recording.tasks.get(taskId);
    const error = task?.errors.get(key);
    // Both fail the task (never stop the run, as an infrastructure fault would): the recorded
    // outcome is reproduced, and a step the recorded run never ran is a divergence the replayer reports.
    if (error?.error) throw new TeamStepFailure(error.error.message);
    const line = task?.results.get(key);
    if (!line) throw new TeamStepFailure(`replay: the recorded run has no result for task ${taskId} step ${step} round ${round}`);
    return { result: line.result, meta: line.meta } as StepEnvelope;
  }

  async close(): Promise<void> {}
}
