import type { StepJob } from '../queue/job-schema.ts';
import type { CostModel } from '../scenario/scenario-schema.ts';
import type { StepCost, StepResult } from '../workflow/task-types.ts';
import type { GitWorkspace } from '../workspace/git-workspace.ts';
import type { Random } from '../prng.ts';

/**
 * A persona's agent: turns one validated step job into a result. The default
 * agents are simulated (seeded models); a later kind may run an external
 * command inside the persona's container and read its result.
 */
export interface AgentContext {
  job: StepJob;
  /** Seeded by (scenario seed, task, step, round): never by attempt or scheduling. */
  random: Random;
  /** The task's git workspace, or null in workspace mode `none`. */
  workspace: GitWorkspace | null;
  /** Tag put in commit messages so a retried step finds its own earlier commit. */
  commitTag: string;
  /** 0 on the first attempt; BullMQ retries count up. Only transient faults may depend on it. */
  attempt: number;
}

export interface PersonaAgent {
  run(context: AgentContext): Promise<StepResult>;
}

/** A failure worth retrying (BullMQ retries it with backoff). */
export class TransientStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientStepError';
  }
}

export function costOf(model: CostModel, minutes: number): StepCost {
  if (!model.ai) return { tokensIn: 0, tokensOut: 0, usd: 0 };
  const tokensIn = Math.round(model.tokensInPerMinute * minutes);
  const tokensOut = Math.round(model.tokensOutPerMinute * minutes);
  const usd = (tokensIn / 1000) * model.usdPer1kTokensIn + (tokensOut / 1000) * model.usdPer1kTokensOut;
  return { tokensIn, tokensOut, usd: Math.round(usd * 1e6) / 1e6 };
}

/** Minutes rounded to 0.1 so results print and compare cleanly. */
export function roundMinutes(minutes: number): number {
  return Math.max(0.1, Math.round(minutes * 10) / 10);
}

export function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
