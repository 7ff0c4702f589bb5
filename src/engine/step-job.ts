import type { PersonaName } from '../personas.ts';
import type { StepJob, TaskBrief } from '../queue/job-schema.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { StepRequest } from '../workflow/task-types.ts';
import { STEP_PERSONA } from '../workflow/task-types.ts';

export interface StepJobContext {
  runId: string;
  scenario: Scenario;
  workspaceMode: 'git' | 'none';
}

/**
 * The `model` member of a persona's jobs: one object per persona settings
 * object, shared by all its jobs (read-only), so a transport can check it
 * once (the inline transport validates it once per object).
 */
const jobModels = new WeakMap<object, StepJob['model']>();
function jobModel(persona: PersonaName, settings: Scenario['personas'][PersonaName]): StepJob['model'] {
  let model = jobModels.get(settings);
  if (!model) {
    const { agent: _agent, ...rest } = settings;
    model = { [persona]: rest };
    jobModels.set(settings, model);
  }
  return model;
}

/** Builds the job a listener receives for one step; a command agent's job also carries its spec and the task's brief. */
export function buildStepJob(ctx: StepJobContext, request: StepRequest, brief?: TaskBrief): StepJob {
  const persona = STEP_PERSONA[request.step];
  const pacingMs = ctx.scenario.workflow.pacingMs;
  const settings = ctx.scenario.personas[persona];
  const agent = settings.agent;
  const model = jobModel(persona, settings);
  return {
    ...(pacingMs > 0 ? { pacingMs } : {}),
    v: 1,
    runId: ctx.runId,
    seed: ctx.scenario.seed,
    persona,
    workspace: { mode: ctx.workspaceMode, dir: `${ctx.runId}/${request.taskId}` },
    model,
    request,
    ...(agent !== 'simulated' ? { agent, ...(brief ? { brief } : {}) } : {}),
  };
}
