import { getSimplePaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { taskMachine } from '../../../src/workflow/task-machine.ts';
import { defect, estimateResult, taskInput } from './task-fixtures.ts';

/**
 * Every path of the task machine, generated with @xstate/graph: each state
 * may see each possible outcome of its step (success variants and failure).
 * The rework loop is bounded by maxReviewRounds, so the path set is finite.
 */
const MAX_ROUNDS = 3;

function eventsFor(state: string, round: number) {
  const err = (id: string) => ({ type: `xstate.error.actor.${id}`, error: new Error(`${id} failed after retries`) });
  const done = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output });
  const cost = { tokensIn: 0, tokensOut: 0, usd: 0 };
  switch (state) {
    case 'defining':
      return [done('define', { step: 'define', minutes: 30, cost, requirementQuality: 0.9, requirementCount: 2 }), err('define')];
    case 'estimating':
      return [done('estimate', estimateResult()), err('estimate')];
    case 'implementing': {
      const step = round === 0 ? 'implement' : 'fix';
      const size = { added: 100, modified: 0, deleted: 0, addedModified: 100, measuredBy: 'model' };
      return [done('implement', { step, minutes: 60, cost, size, injected: [defect(`d${round}`)], fixed: [] }), err('implement')];
    }
    case 'reviewing':
      return [
        done('review', { step: 'review', minutes: 20, cost, found: [], verdict: 'approved' }),
        done('review', { step: 'review', minutes: 20, cost, found: [`d${round}`], verdict: 'changes_requested' }),
        err('review'),
      ];
    case 'accepting':
      return [
        done('accept', { step: 'accept', minutes: 15, cost, found: [], verdict: 'accepted' }),
        done('accept', { step: 'accept', minutes: 15, cost, found: ['x'], verdict: 'rejected' }),
        err('accept'),
      ];
    default:
      return [];
  }
}

describe('task machine: every path', () => {
  const paths = getSimplePaths(taskMachine, {
    input: taskInput({ maxReviewRounds: MAX_ROUNDS }),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    events: (snapshot: any) => eventsFor(String(snapshot.value), snapshot.context.round) as never,
    serializeState: (snapshot) => `${JSON.stringify(snapshot.value)}#${(snapshot as { context: { round: number } }).context.round}`,
  });
  const finals = paths.filter((p) => p.state.status === 'done');

  it('reaches done, and failed for each reason', () => {
    const reasons = new Set(finals.map((p) => (p.state.context.failure ? p.state.context.failure.reason : 'done')));
    expect([...reasons].sort()).toEqual(['done', 'rejected', 'round-limit', 'step-failed']);
  });

  it('lets every state fail its step', () => {
    const failedFrom = new Set(finals.filter((p) => p.state.context.failure?.reason === 'step-failed').map((p) => p.state.context.failure?.message.split(':')[0]));
    expect([...failedFrom].sort()).toEqual(['accept', 'define', 'estimate', 'fix', 'implement', 'review']);
  });

  it('loops through rework at most maxReviewRounds times', () => {
    const rounds = finals.map((p) => p.state.context.round);
    expect(Math.max(...rounds)).toBe(MAX_ROUNDS);
    const limited = finals.filter((p) => p.state.context.failure?.reason === 'round-limit');
    expect(limited.length).toBeGreaterThan(0);
    for (const p of limited) expect(p.state.context.round).toBe(MAX_ROUNDS);
    // Done after r rounds of rework exists for every r below the limit.
    const doneRounds = new Set(finals.filter((p) => !p.state.context.failure).map((p) => p.state.context.round));
    expect([...doneRounds].sort()).toEqual([1, 2, 3]);
  });

  it('keeps defects consistent on every path: injected = removed + latent', () => {
    for (const p of finals) {
      const c = p.state.context;
      expect(c.removed.length + c.latent.length).toBe(c.injected.length);
    }
  });

  it('produces an outcome whose state matches the final state', () => {
    for (const p of finals) {
      const output = p.state.output;
      expect(output?.state).toBe(p.state.value === 'done' ? 'done' : 'failed');
    }
  });
});
