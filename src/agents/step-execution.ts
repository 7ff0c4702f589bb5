import type { StepJob } from '../queue/job-schema.ts';
import type { StepResult } from '../workflow/task-types.ts';
import { GitWorkspace } from '../workspace/git-workspace.ts';
import type { PersonaAgent } from './persona-agent.ts';
import { createRandom } from '../prng.ts';

/**
 * Runs one validated step job through a persona's agent, as every transport
 * does it (a listener, or the inline transport): the random source seeded by
 * (seed, task, step, round), the task's git workspace, the commit tag, then
 * the scenario's real-time pacing if it asks for one.
 */
export async function executeStep(agent: PersonaAgent, job: StepJob, options: { workspaceRoot: string; attempt: number }): Promise<StepResult> {
  const { taskId, step, round } = job.request;
  const startedAt = Date.now();
  const result = await agent.run({
    job,
    random: createRandom(job.seed, taskId, step, round),
    workspace: job.workspace.mode === 'git' ? new GitWorkspace(options.workspaceRoot, job.workspace.dir) : null,
    commitTag: `[asp ${job.runId} ${taskId} ${step} r${round}]`,
    attempt: options.attempt,
  });
  const pause = (job.pacingMs ?? 0) - (Date.now() - startedAt);
  if (pause > 0) await new Promise((r) => setTimeout(r, pause));
  return result;
}
