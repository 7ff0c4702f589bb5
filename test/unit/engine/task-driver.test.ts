import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise, type InspectionEvent } from 'xstate';
import { TaskDriver, type RunStep, type WatchedEvent } from '../../../src/engine/task-driver.ts';
import { taskMachine } from '../../../src/workflow/task-machine.ts';
import type { StepRequest, StepResult, TaskOutcome } from '../../../src/workflow/task-types.ts';
import { defect, estimateResult, taskInput } from '../workflow/task-fixtures.ts';

const cost = { tokensIn: 0, tokensOut: 0, usd: 0 };

interface Script {
  reviews: Array<'approved' | 'changes_requested'>;
  maxReviewRounds?: number;
  accept?: 'accepted' | 'rejected';
  /** This step throws (a failed step: the task's outcome). */
  failStep?: string;
  /** The implement result is malformed, so the machine's own action throws. */
  brokenImplement?: boolean;
}

/**
 * The simulated team, scripted: the same answers for the driver and for a
 * started actor. `atOnce`: each answer (or error) comes back at once, as the
 * recording transport gives a result it holds, instead of a promise.
 */
function scriptedSteps(script: Script, atOnce = false): RunStep {
  const answer = scriptedAnswer(script);
  if (atOnce) return answer;
  return async (request: StepRequest): Promise<StepResult> => {
    await Promise.resolve();
    return answer(request);
  };
}

function scriptedAnswer(script: Script): (request: StepRequest) => StepResult {
  return (request: StepRequest): StepResult => {
    if (script.failStep === request.step) throw new Error(`${request.step} exploded`);
    switch (request.step) {
      case 'define':
        return { step: 'define', minutes: 30, cost, requirementQuality: 0.8, requirementCount: 1 };
      case 'estimate':
        return estimateResult();
      case 'implement':
      case 'fix': {
        const first = request.step === 'implement';
        const size = { added: first ? 200 : 0, modified: first ? 0 : 8, deleted: 0, addedModified: first ? 200 : 8, measuredBy: 'model' as const };
        const injected = script.brokenImplement ? (undefined as never) : first ? [defect('a'), defect('b'), defect('c')] : [];
        return { step: request.step, minutes: first ? 120 : 15, cost, size, injected, fixed: request.toFix.map((d) => d.id) };
      }
      case 'review': {
        const verdict = script.reviews[request.round] ?? 'approved';
        return { step: 'review', minutes: 20, cost, found: verdict === 'approved' ? [] : request.latent.slice(0, 1).map((d) => d.id), verdict };
      }
      case 'accept':
        return { step: 'accept', minutes: 10, cost, found: request.latent.slice(0, 1).map((d) => d.id), verdict: script.accept ?? 'accepted' };
    }
  };
}

/** The reference: a started XState actor with a promise actor per step, its events read from XState's inspection stream. */
async function withActor(script: Script): Promise<{ outcome?: TaskOutcome; error?: unknown; events: WatchedEvent[] }> {
  const runStep = scriptedSteps(script);
  const step = fromPromise(async ({ input }: { input: StepRequest }) => runStep(input));
  const machine = taskMachine.provide({ actors: { define: step, estimate: step, implement: step, review: step, accept: step } as never });
  const events: WatchedEvent[] = [];
  let pending: InspectionEvent | undefined;
  const actor = createActor(machine, {
    input: taskInput({ maxReviewRounds: script.maxReviewRounds ?? 3 }),
    inspect: (e) => {
      if (e.actorRef.sessionId !== e.rootId) return; // the task machine's own events, not its children's
      if (e.type === '@xstate.event' && e.event.type.startsWith('xstate.') && e.event.type !== 'xstate.init') pending = e;
      if (e.type === '@xstate.snapshot' && pending?.type === '@xstate.event') {
        const snapshot = e.snapshot as ReturnType<typeof actor.getSnapshot>;
        events.push({ event: pending.event as WatchedEvent['event'], state: String(snapshot.value), round: snapshot.context.round });
        pending = undefined;
      }
    },
  });
  actor.start();
  try {
    return { outcome: await toPromise(actor), events };
  } catch (error) {
    return { error, events };
  }
}

async function withDriver(script: Script, atOnce = false): Promise<{ outcome?: TaskOutcome; error?: unknown; events: WatchedEvent[] }> {
  const events: WatchedEvent[] = [];
  try {
    const outcome = await new TaskDriver(taskMachine).run(taskInput({ maxReviewRounds: script.maxReviewRounds ?? 3 }), scriptedSteps(script, atOnce), (w) => events.push(w));
    return { outcome, events };
  } catch (error) {
    return { error, events };
  }
}

const cases: Array<[string, Script]> = [
  ['approved at the first review', { reviews: ['approved'] }],
  ['reworked twice, then approved', { reviews: ['changes_requested', 'changes_requested', 'approved'] }],
  ['the round limit', { reviews: ['changes_requested', 'changes_requested', 'changes_requested'], maxReviewRounds: 2 }],
  ['rejected by Jordan', { reviews: ['approved'], accept: 'rejected' }],
  ['a failing define', { reviews: [], failStep: 'define' }],
  ['a failing review', { reviews: ['changes_requested'], failStep: 'review' }],
  ['a failing fix', { reviews: ['changes_requested'], failStep: 'fix' }],
];

describe('TaskDriver: the task machine driven by its pure transitions', () => {
  it.each(cases)('gives the outcome and the events of a started actor: %s', async (_name, script) => {
    const actor = await withActor(script);
    const driven = await withDriver(script);
    expect(actor.outcome).toBeDefined();
    expect(driven.outcome).toEqual(actor.outcome);
    expect(driven.events).toEqual(actor.events);
    // Every step the machine invoked ended in exactly one event.
    expect(driven.events.length).toBe(driven.outcome!.phases.length + (driven.outcome!.failure?.reason === 'step-failed' ? 1 : 0));
    // Results (and errors) given at once instead of promised drive the machine the same way.
    const atOnce = await withDriver(script, true);
    expect(atOnce.outcome).toEqual(actor.outcome);
    expect(atOnce.events).toEqual(actor.events);
  });

  it('reports a failed step as the task outcome, with the step and the reason', async () => {
    const { outcome, events } = await withDriver({ reviews: ['changes_requested'], failStep: 'fix' });
    expect(outcome?.state).toBe('failed');
    expect(outcome?.failure).toEqual({ reason: 'step-failed', message: 'fix: fix exploded' });
    expect(events.at(-1)).toMatchObject({ event: { type: 'xstate.error.actor.implement' }, state: 'failed', round: 1 });
  });

  it('rejects when the machine itself errs, as a started actor does', async () => {
    const actor = await withActor({ reviews: ['approved'], brokenImplement: true });
    const driven = await withDriver({ reviews: ['approved'], brokenImplement: true });
    expect(actor.error).toBeInstanceOf(TypeError);
    expect(driven.error).toBeInstanceOf(TypeError);
    expect((driven.error as Error).message).toBe((actor.error as Error).message);
    const atOnce = await withDriver({ reviews: ['approved'], brokenImplement: true }, true);
    expect((atOnce.error as Error).message).toBe((actor.error as Error).message);
  });

  it('runs many tasks at once on one driver without mixing them', async () => {
    const driver = new TaskDriver(taskMachine);
    const scripts: Script[] = Array.from({ length: 20 }, (_, i) => ({ reviews: Array.from({ length: i % 4 }, () => 'changes_requested' as const), maxReviewRounds: 3 }));
    const outcomes = await Promise.all(scripts.map((s, i) => driver.run(taskInput({ task: { ...taskInput().task, id: `t${i}` }, maxReviewRounds: 3 }), scriptedSteps(s))));
    expect(outcomes.map((o) => o.taskId)).toEqual(scripts.map((_, i) => `t${i}`));
    expect(outcomes.map((o) => `${o.state}/${o.reviewRounds}`)).toEqual(scripts.map((s) => (s.reviews.length >= 3 ? 'failed/3' : `done/${s.reviews.length + 1}`)));
  });
});

describe('the machines the task driver takes', () => {
  it('refuses a machine it would drive wrongly (child states, several invokes in one state)', async () => {
    const { setup, fromPromise: promised } = await import('xstate');
    const step = promised(async () => 1);
    const nested = setup({ actors: { step } }).createMachine({ initial: 'a', states: { a: { initial: 'b', states: { b: { invoke: { id: 's', src: 'step' } } } } } });
    expect(() => new TaskDriver(nested as never)).toThrow(/state "a" has child states/);
    const twice = setup({ actors: { step } }).createMachine({
      initial: 'a',
      states: {
        a: {
          invoke: [
            { id: 's1', src: 'step' },
            { id: 's2', src: 'step' },
          ],
        },
      },
    });
    expect(() => new TaskDriver(twice as never)).toThrow(/state "a" must invoke one step/);
  });
});
