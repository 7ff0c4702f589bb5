import { fromPromise } from 'xstate';
import { AspError } from '../errors.ts';
import { hasCommandAgent } from '../agents/agent-team.ts';
import { TaskBriefs } from '../agents/task-brief.ts';
import type { StepJob, TaskBrief } from '../queue/job-schema.ts';
import { isTeamStepFailure } from '../queue/step-failure.ts';
import { stepJobId, type StepEnvelope } from '../queue/job-schema.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { PersonaName } from '../personas.ts';
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
import { STEP_PERSONA } from '../workflow/task-types.ts';
import type { StepTransport } from './step-transport.ts';

export interface StepActorContext {
  runId: string;
  scenario: Scenario;
  workspaceMode: 'git' | 'none';
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
export function buildStepJob(ctx: Pick<StepActorContext, 'runId' | 'scenario' | 'workspaceMode'>, request: StepRequest, brief?: TaskBrief): StepJob {
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

/** The task machine's step actors: each step is one job, delivered by the run's transport. */
export function stepActors(ctx: StepActorContext) {
  const briefs = hasCommandAgent(ctx.scenario) ? new TaskBriefs() : undefined;
  const actor = <Req extends StepRequest, Res extends StepResult>() =>
    fromPromise<Res, Req>(async ({ input, signal }) => {
      const persona = STEP_PERSONA[input.step];
      const jobId = stepJobId(ctx.runId, input.taskId, input.step, input.round);
      try {
        const stored = ctx.lookup?.(input, jobId);
        briefs?.request(input);
        const job = buildStepJob(ctx, input, briefs?.get(input.taskId));
        if (!stored) ctx.onDispatch?.(input, jobId, job);
        const envelope = stored ?? (await ctx.transport.deliver(persona, jobId, job, signal));
        if (envelope.result.step !== input.step) {
          throw new AspError('JOB_INVALID', `listener ${persona} answered step ${envelope.result.step} to a ${input.step} job (${jobId})`);
        }
        briefs?.result(input.taskId, envelope.result);
        ctx.onResult(input, jobId, envelope);
        return envelope.result as Res;
      } catch (err) {
        if (!isTeamStepFailure(err)) ctx.onFault?.(input, jobId, err);
        throw err;
      }
    });
  return {
    define: actor<DefineRequest, DefineResult>(),
    estimate: actor<EstimateRequest, EstimateResult>(),
    implement: actor<ImplementRequest, ImplementResult>(),
    review: actor<ReviewRequest, ReviewResult>(),
    accept: actor<AcceptRequest, AcceptResult>(),
  };
}
