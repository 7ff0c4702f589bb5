import { AspError } from '../errors.ts';
import { hasCommandAgent } from '../agents/agent-team.ts';
import { TaskBriefs } from '../agents/task-brief.ts';
import type { StepJob } from '../queue/job-schema.ts';
import { isTeamStepFailure } from '../queue/step-failure.ts';
import { stepJobId, type StepEnvelope } from '../queue/job-schema.ts';
import type { StepRequest, StepResult } from '../workflow/task-types.ts';
import { STEP_PERSONA } from '../workflow/task-types.ts';
import { buildStepJob, type StepJobContext } from './step-job.ts';
import type { RunStep } from './task-driver.ts';
import type { StepTransport } from './step-transport.ts';

export interface StepRunnerContext extends StepJobContext {
  transport: Pick<StepTransport, 'deliver'>;
  /** A result already stored for this step (a resumed run): returned without dispatching. */
  lookup?: (request: StepRequest, jobId: string) => StepEnvelope | undefined;
  /** Called with every job before it is sent. */
  onDispatch?: (request: StepRequest, jobId: string, job: StepJob) => void;
  /** Called with every result before the machine sees it (the telemetry writer, the recorder). */
  onResult: (request: StepRequest, jobId: string, envelope: StepEnvelope) => void;
  /**
   * Called, before the machine sees the error, when a step failed for a reason
   * that is not the simulated team's (see queue/step-failure.ts): the run stops
   * resumably and the task's outcome is not stored.
   */
  onFault?: (request: StepRequest, jobId: string, err: unknown) => void;
}

/** How the task machines' steps run: each step is one job, delivered by the run's transport (or taken from a resumed run's results). */
export function stepRunner(ctx: StepRunnerContext): RunStep {
  const briefs = hasCommandAgent(ctx.scenario) ? new TaskBriefs() : undefined;
  return (input) => {
    const persona = STEP_PERSONA[input.step];
    const jobId = stepJobId(ctx.runId, input.taskId, input.step, input.round);
    const failed = (err: unknown): never => {
      if (!isTeamStepFailure(err)) ctx.onFault?.(input, jobId, err);
      throw err;
    };
    const received = (envelope: StepEnvelope): StepResult => {
      if (envelope.result.step !== input.step) {
        throw new AspError('JOB_INVALID', `listener ${persona} answered step ${envelope.result.step} to a ${input.step} job (${jobId})`);
      }
      briefs?.result(input.taskId, envelope.result);
      ctx.onResult(input, jobId, envelope);
      return envelope.result;
    };
    try {
      const stored = ctx.lookup?.(input, jobId);
      briefs?.request(input);
      const job = buildStepJob(ctx, input, briefs?.get(input.taskId));
      if (!stored) ctx.onDispatch?.(input, jobId, job);
      const delivered = stored ?? ctx.transport.deliver(persona, jobId, job);
      // A result at hand (a stored one, or the recording's) is taken at once.
      if (delivered instanceof Promise) return delivered.then(received).catch(failed);
      return received(delivered);
    } catch (err) {
      return failed(err);
    }
  };
}
