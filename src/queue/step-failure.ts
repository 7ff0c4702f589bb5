import { AspError } from '../errors.ts';

/**
 * Why a step ended without a result, and whose decision that was. Only the
 * simulated team decides that a task failed: a step its persona's agent failed
 * on purpose (seeded transient failures that outlasted the retries; such an
 * agent's error message starts with "simulated ") is an outcome of the
 * simulation. Anything else (no listener, Redis, a lost or malformed job, an
 * agent or workspace crash, a stopped run) is an infrastructure fault: the run
 * stops resumably and the step runs again on `--resume`; it is never stored
 * as the task's failure.
 */
export class TeamStepFailure extends AspError {
  constructor(reason: string, cause?: unknown) {
    super('STEP_FAILED', reason, cause === undefined ? {} : { cause });
    this.name = 'TeamStepFailure';
  }
}

const SIMULATED = /^simulated /;

/** The error a step that ended without a result rejects with. */
export function stepFailure(reason: string, cause?: unknown): AspError {
  return SIMULATED.test(reason) ? new TeamStepFailure(reason, cause) : new AspError('STEP_FAILED', reason, cause === undefined ? {} : { cause });
}

export function isTeamStepFailure(err: unknown): err is TeamStepFailure {
  return err instanceof TeamStepFailure;
}
