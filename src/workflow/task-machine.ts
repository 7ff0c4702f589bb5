import { assign, fromPromise, setup } from 'xstate';
import type { ProbeEstimate } from '../probe/index.ts';
import type {
  AcceptRequest,
  AcceptResult,
  DefineRequest,
  DefineResult,
  Defect,
  EstimateRequest,
  EstimateResult,
  FailureReason,
  ImplementRequest,
  ImplementResult,
  PhaseTime,
  RemovedDefect,
  ReviewRequest,
  ReviewResult,
  TaskMachineInput,
  TaskOutcome,
  TaskSubject,
} from './task-types.ts';
import { STEP_PERSONA, STEP_PHASE } from './task-types.ts';

/**
 * The task workflow. Pure: every persona step is an invoked actor that the
 * runner (real queues), the replayer (a recording) or a test supplies with
 * `taskMachine.provide({ actors })`. The defaults below refuse to run.
 *
 *   defining → estimating → implementing → reviewing ─┬→ accepting → done
 *                               ▲                      │
 *                               └── changes requested ─┘ (≤ maxReviewRounds)
 *   any step failing after its retries, the round limit, or a rejection → failed
 */
export interface TaskContext {
  task: TaskSubject;
  maxReviewRounds: number;
  history: TaskMachineInput['history'];
  /** Completed review rounds. */
  round: number;
  requirementQuality: number;
  estimate?: ProbeEstimate;
  actualSize: number;
  latent: Defect[];
  injected: Defect[];
  removed: RemovedDefect[];
  /** Defects Sarah found in the last review: what the next fix works on. */
  toFix: Defect[];
  phases: PhaseTime[];
  failure?: { reason: FailureReason; message: string };
}

const notProvided = (step: string) =>
  fromPromise<never, unknown>(async () => {
    throw new Error(`the "${step}" step actor was not provided; use taskMachine.provide({ actors })`);
  });

function phase(step: PhaseTime['step'], round: number, minutes: number): PhaseTime {
  return { step, round, persona: STEP_PERSONA[step], minutes };
}

/** The latent defects a review or test found, plus the ones it reported that nobody knew of (a command agent's findings). */
function takeFound(latent: Defect[], result: { found: readonly string[]; reported?: Defect[] }): { found: Defect[]; remaining: Defect[]; reported: Defect[] } {
  const ids = new Set(result.found);
  const reported = result.reported ?? [];
  return { found: [...latent.filter((d) => ids.has(d.id)), ...reported], remaining: latent.filter((d) => !ids.has(d.id)), reported };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return JSON.stringify(error);
}

export const taskMachine = setup({
  types: {} as {
    context: TaskContext;
    input: TaskMachineInput;
    output: TaskOutcome;
  },
  actors: {
    define: notProvided('define') as unknown as ReturnType<typeof fromPromise<DefineResult, DefineRequest>>,
    estimate: notProvided('estimate') as unknown as ReturnType<typeof fromPromise<EstimateResult, EstimateRequest>>,
    implement: notProvided('implement') as unknown as ReturnType<typeof fromPromise<ImplementResult, ImplementRequest>>,
    review: notProvided('review') as unknown as ReturnType<typeof fromPromise<ReviewResult, ReviewRequest>>,
    accept: notProvided('accept') as unknown as ReturnType<typeof fromPromise<AcceptResult, AcceptRequest>>,
  },
  guards: {
    approved: (_, params: { result: ReviewResult }) => params.result.verdict === 'approved',
    roundLimitReached: ({ context }) => context.round + 1 >= context.maxReviewRounds,
    accepted: (_, params: { result: AcceptResult }) => params.result.verdict === 'accepted',
  },
  actions: {
    fail: assign((_, params: { reason: FailureReason; message: string }) => ({
      failure: { reason: params.reason, message: params.message },
    })),
  },
}).createMachine({
  id: 'task',
  context: ({ input }) => ({
    task: input.task,
    maxReviewRounds: input.maxReviewRounds,
    history: input.history,
    round: 0,
    requirementQuality: 1,
    actualSize: 0,
    latent: [],
    injected: [],
    removed: [],
    toFix: [],
    phases: [],
  }),
  initial: 'defining',
  states: {
    defining: {
      invoke: {
        id: 'define',
        src: 'define',
        input: ({ context }) => ({
          step: 'define' as const,
          taskId: context.task.id,
          round: 0,
          title: context.task.title,
          requirements: context.task.requirements,
        }),
        onDone: {
          target: 'estimating',
          actions: assign(({ context, event }) => ({
            requirementQuality: event.output.requirementQuality,
            phases: [...context.phases, phase('define', 0, event.output.minutes)],
          })),
        },
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ reason: 'step-failed' as const, message: `define: ${errorText(event.error)}` }) },
        },
      },
    },
    estimating: {
      invoke: {
        id: 'estimate',
        src: 'estimate',
        input: ({ context }) => ({
          step: 'estimate' as const,
          taskId: context.task.id,
          round: 0,
          proxySize: context.task.proxySize,
          history: context.history,
        }),
        onDone: {
          target: 'implementing',
          actions: assign(({ context, event }) => ({
            estimate: event.output.estimate,
            phases: [...context.phases, phase('estimate', 0, event.output.minutes)],
          })),
        },
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ reason: 'step-failed' as const, message: `estimate: ${errorText(event.error)}` }) },
        },
      },
    },
    implementing: {
      invoke: {
        id: 'implement',
        src: 'implement',
        input: ({ context }) => ({
          step: context.round === 0 ? ('implement' as const) : ('fix' as const),
          taskId: context.task.id,
          round: context.round,
          proxySize: context.task.proxySize,
          requirementQuality: context.requirementQuality,
          toFix: context.toFix,
        }),
        onDone: {
          target: 'reviewing',
          actions: assign(({ context, event }) => {
            const result = event.output;
            const fixedIds = new Set(result.fixed);
            return {
              actualSize: context.actualSize + result.size.addedModified,
              latent: [...context.latent.filter((d) => !fixedIds.has(d.id)), ...result.injected],
              injected: [...context.injected, ...result.injected],
              toFix: [],
              phases: [...context.phases, phase(result.step, context.round, result.minutes)],
            };
          }),
        },
        onError: {
          target: 'failed',
          actions: {
            type: 'fail',
            params: ({ context, event }) => ({
              reason: 'step-failed' as const,
              message: `${context.round === 0 ? 'implement' : 'fix'}: ${errorText(event.error)}`,
            }),
          },
        },
      },
    },
    reviewing: {
      invoke: {
        id: 'review',
        src: 'review',
        input: ({ context }) => ({
          step: 'review' as const,
          taskId: context.task.id,
          round: context.round,
          latent: context.latent,
          size: context.actualSize,
        }),
        onDone: [
          {
            guard: { type: 'approved', params: ({ event }) => ({ result: event.output }) },
            target: 'accepting',
            actions: assign(({ context, event }) => closeReview(context, event.output).update),
          },
          {
            guard: 'roundLimitReached',
            target: 'failed',
            actions: assign(({ context, event }) => ({
              ...closeReview(context, event.output).update,
              failure: {
                reason: 'round-limit' as const,
                message: `changes still requested after ${context.round + 1} review round(s) (limit ${context.maxReviewRounds})`,
              },
            })),
          },
          {
            target: 'implementing',
            actions: assign(({ context, event }) => {
              const { update, found } = closeReview(context, event.output);
              return { ...update, toFix: found };
            }),
          },
        ],
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ reason: 'step-failed' as const, message: `review: ${errorText(event.error)}` }) },
        },
      },
    },
    accepting: {
      invoke: {
        id: 'accept',
        src: 'accept',
        input: ({ context }) => ({ step: 'accept' as const, taskId: context.task.id, round: context.round, latent: context.latent }),
        onDone: [
          {
            guard: { type: 'accepted', params: ({ event }) => ({ result: event.output }) },
            target: 'done',
            actions: assign(({ context, event }) => closeAcceptance(context, event.output)),
          },
          {
            target: 'failed',
            actions: assign(({ context, event }) => ({
              ...closeAcceptance(context, event.output),
              failure: {
                reason: 'rejected' as const,
                message: `Jordan rejected the task: acceptance tests found ${event.output.found.length + (event.output.reported?.length ?? 0)} defect(s)`,
              },
            })),
          },
        ],
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ reason: 'step-failed' as const, message: `accept: ${errorText(event.error)}` }) },
        },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  // Every transition into `failed` records a failure, so the context tells the final state.
  output: ({ context }) => taskOutcome(context, context.failure ? 'failed' : 'done'),
});

function removedBy(defect: Defect, phaseRemoved: string, round: number): RemovedDefect {
  return { ...defect, phaseRemoved, foundBy: phaseRemoved === 'code-review' ? 'sarah' : 'jordan', round };
}

/**
 * A finished review round: the defects Sarah found leave the latent set (they
 * are fixed next, or on the spot when she approves) and the round is logged.
 */
function closeReview(context: TaskContext, result: ReviewResult) {
  const { found, remaining, reported } = takeFound(context.latent, result);
  return {
    found,
    update: {
      round: context.round + 1,
      latent: remaining,
      injected: reported.length > 0 ? [...context.injected, ...reported] : context.injected,
      removed: [...context.removed, ...found.map((d) => removedBy(d, 'code-review', context.round))],
      phases: [...context.phases, phase('review', context.round, result.minutes)],
    },
  };
}

/** Jordan's acceptance tests: what they found is removed in that phase. */
function closeAcceptance(context: TaskContext, result: AcceptResult) {
  const { found, remaining, reported } = takeFound(context.latent, result);
  return {
    latent: remaining,
    injected: reported.length > 0 ? [...context.injected, ...reported] : context.injected,
    removed: [...context.removed, ...found.map((d) => removedBy(d, 'acceptance-test', context.round))],
    phases: [...context.phases, phase('accept', context.round, result.minutes)],
  };
}

/** The comparable outcome of a task in its final state. */
export function taskOutcome(context: TaskContext, state: 'done' | 'failed'): TaskOutcome {
  const alexMinutes = context.phases.filter((p) => p.persona === 'alex').reduce((s, p) => s + p.minutes, 0);
  return {
    taskId: context.task.id,
    cycle: context.task.cycle,
    state,
    ...(context.failure ? { failure: context.failure } : {}),
    reviewRounds: context.round,
    ...(context.estimate ? { estimate: context.estimate } : {}),
    actualSize: context.actualSize,
    actualMinutes: alexMinutes,
    totalMinutes: context.phases.reduce((s, p) => s + p.minutes, 0),
    phases: context.phases,
    injected: context.injected,
    removed: context.removed,
    escaped: context.latent,
  };
}

export { STEP_PHASE };
