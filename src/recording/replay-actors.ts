import { fromPromise } from 'xstate';
import type {
  AcceptRequest,
  AcceptResult,
  DefineRequest,
  DefineResult,
  EstimateRequest,
  EstimateResult,
  ImplementRequest,
  ImplementResult,
  ReviewRequest,
  ReviewResult,
  StepRequest,
  StepResult,
} from '../workflow/task-types.ts';
import { requestDigest } from './event-record.ts';
import type { Recording } from './recording-reader.ts';
import { stepKey } from './recording-schema.ts';

/** What the replayed machine of one task asked for, in order. */
export interface ReplaySink {
  dispatches: Array<{ step: string; round: number; request: string }>;
}

/**
 * Step actors that answer from a recording instead of the queues: the
 * result recorded for (task, step, round), or the recorded error rethrown
 * with the same message. A step the recorded run never ran fails the task,
 * which the replayer then reports as a divergence.
 */
export function replayActors(recording: Recording, sinkOf: (taskId: string) => ReplaySink | undefined) {
  const actor = <Req extends StepRequest, Res extends StepResult>() =>
    fromPromise<Res, Req>(async ({ input }) => {
      sinkOf(input.taskId)?.dispatches.push({ step: input.step, round: input.round, request: requestDigest(input) });
      const key = stepKey(input.step, input.round);
      const task = recording.tasks.get(input.taskId);
      const error = task?.errors.get(key);
      if (error?.error) throw new Error(error.error.message);
      const result = task?.results.get(key);
      if (!result) throw new Error(`replay: the recorded run has no result for task ${input.taskId} step ${input.step} round ${input.round}`);
      return result.result as Res;
    });
  return {
    define: actor<DefineRequest, DefineResult>(),
    estimate: actor<EstimateRequest, EstimateResult>(),
    implement: actor<ImplementRequest, ImplementResult>(),
    review: actor<ReviewRequest, ReviewResult>(),
    accept: actor<AcceptRequest, AcceptResult>(),
  };
}
