import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import { taskMachine } from '../../../src/workflow/task-machine.ts';
import type { ImplementRequest, ReviewRequest, StepRequest } from '../../../src/workflow/task-types.ts';
import { defect, estimateResult, taskInput } from './task-fixtures.ts';

const cost = { tokensIn: 0, tokensOut: 0, usd: 0 };

/** Runs the machine with scripted step actors and returns the outcome and the step log. */
async function run(reviewVerdicts: Array<'approved' | 'changes_requested'>, opts: { maxReviewRounds?: number; acceptVerdict?: 'accepted' | 'rejected'; failStep?: string } = {}) {
  const calls: StepRequest[] = [];
  const step = <T>(name: string, result: (input: never) => T) =>
    fromPromise(async ({ input }: { input: StepRequest }) => {
      calls.push(input);
      if (opts.failStep === input.step) throw new Error(`${input.step} exploded`);
      return result(input as never);
    });
  const machine = taskMachine.provide({
    actors: {
      define: step('define', () => ({ step: 'define' as const, minutes: 30, cost, requirementQuality: 0.8, requirementCount: 1 })),
      estimate: step('estimate', () => estimateResult()),
      implement: step('implement', (input: ImplementRequest) => ({
        step: input.step,
        minutes: input.step === 'implement' ? 120 : 15,
        cost,
        size: { added: input.step === 'implement' ? 200 : 0, modified: input.step === 'fix' ? 8 : 0, deleted: 0, addedModified: input.step === 'implement' ? 200 : 8, measuredBy: 'model' as const },
        injected: input.step === 'implement' ? [defect('a'), defect('b'), defect('c')] : [],
        fixed: input.toFix.map((d) => d.id),
      })),
      review: step('review', (input: ReviewRequest) => {
        const verdict = reviewVerdicts[input.round] ?? 'approved';
        return { step: 'review' as const, minutes: 20, cost, found: verdict === 'approved' ? [] : input.latent.slice(0, 1).map((d) => d.id), verdict };
      }),
      accept: step('accept', () => ({ step: 'accept' as const, minutes: 10, cost, found: [], verdict: opts.acceptVerdict ?? 'accepted' })),
    } as never,
  });
  const actor = createActor(machine, { input: taskInput({ maxReviewRounds: opts.maxReviewRounds ?? 3 }) });
  actor.start();
  const outcome = await toPromise(actor);
  return { outcome, calls: calls.map((c) => `${c.step}:${c.round}`) };
}

describe('task machine with step actors', () => {
  it('goes straight through when the first review approves', async () => {
    const { outcome, calls } = await run(['approved']);
    expect(calls).toEqual(['define:0', 'estimate:0', 'implement:0', 'review:0', 'accept:1']);
    expect(outcome.state).toBe('done');
    expect(outcome.reviewRounds).toBe(1);
    expect(outcome.actualSize).toBe(200);
    expect(outcome.actualMinutes).toBe(20 + 120);
    expect(outcome.escaped.map((d) => d.id)).toEqual(['a', 'b', 'c']);
  });

  it('reworks until approved, fixing what each review found', async () => {
    const { outcome, calls } = await run(['changes_requested', 'changes_requested', 'approved']);
    expect(calls).toEqual(['define:0', 'estimate:0', 'implement:0', 'review:0', 'fix:1', 'review:1', 'fix:2', 'review:2', 'accept:3']);
    expect(outcome.state).toBe('done');
    expect(outcome.removed.map((d) => [d.id, d.phaseRemoved, d.foundBy])).toEqual([
      ['a', 'code-review', 'sarah'],
      ['b', 'code-review', 'sarah'],
    ]);
    expect(outcome.escaped.map((d) => d.id)).toEqual(['c']);
    expect(outcome.actualSize).toBe(216);
    expect(outcome.phases.filter((p) => p.step === 'fix')).toHaveLength(2);
  });

  it('fails at the round limit', async () => {
    const { outcome } = await run(['changes_requested', 'changes_requested'], { maxReviewRounds: 2 });
    expect(outcome.state).toBe('failed');
    expect(outcome.failure?.reason).toBe('round-limit');
    expect(outcome.reviewRounds).toBe(2);
  });

  it('fails when Jordan rejects', async () => {
    const { outcome } = await run(['approved'], { acceptVerdict: 'rejected' });
    expect(outcome.failure).toMatchObject({ reason: 'rejected' });
  });

  it('fails with the step and reason when a step fails after its retries', async () => {
    const { outcome, calls } = await run(['approved'], { failStep: 'review' });
    expect(calls).toEqual(['define:0', 'estimate:0', 'implement:0', 'review:0']);
    expect(outcome.failure).toEqual({ reason: 'step-failed', message: 'review: review exploded' });
  });
});
