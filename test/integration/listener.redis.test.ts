import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import { StepQueue } from '../../src/queue/bullmq-driver.ts';
import { stepJobId } from '../../src/queue/job-schema.ts';
import { BATCH_JOB_NAME, BatchResultSchema, batchJobId } from '../../src/queue/step-batch.ts';
import { PersonaListener } from '../../src/queue/persona-listener.ts';
import { liveListeners } from '../../src/queue/listener-registry.ts';
import { buildStepJob } from '../../src/engine/step-job.ts';
import { parseScenario } from '../../src/scenario/scenario-loader.ts';
import { REDIS_URL } from '../support/temp-run.ts';

const scenario = parseScenario('name: t\nseed: 5\nworkspace: none\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 50 }]\n').scenario;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function waitFor<T>(probe: () => Promise<T | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function setup(persona: 'alex' | 'jordan' = 'jordan') {
  const prefix = `asp-test-${randomUUID()}`;
  const listener = new PersonaListener({
    persona,
    listenerId: `${persona}-t`,
    userId: `${persona}@example.com`,
    redisUrl: REDIS_URL,
    prefix,
    concurrency: 2,
    workspaceRoot: '/nonexistent',
    logger: silentLogger(),
  });
  await listener.start();
  const queue = new StepQueue({ redisUrl: REDIS_URL, prefix, persona }, { onCompleted: () => undefined, onFailed: () => undefined });
  await queue.ready();
  closers.push(async () => {
    await listener.close();
    await queue.obliterate();
    await queue.close();
  });
  return { prefix, listener, queue };
}

describe('persona listener (real Redis)', () => {
  it('fails a malformed job at once with the reason, and keeps serving', async () => {
    const { queue } = await setup('jordan');
    await queue.addRaw('step', { v: 1, persona: 'jordan', request: { step: 'define' } }, 'bad-1');
    const bad = await waitFor(async () => {
      const o = await queue.outcome('bad-1');
      return o?.state === 'failed' ? o : null;
    });
    expect(bad.failedReason).toMatch(/^invalid job: /);
    expect(bad.failedReason).toMatch(/runId/);

    await queue.addRaw('step', 'x'.repeat(1024 * 1024 + 10), 'huge-1');
    const huge = await waitFor(async () => {
      const o = await queue.outcome('huge-1');
      return o?.state === 'failed' ? o : null;
    });
    expect(huge.failedReason).toMatch(/payload is \d+ bytes, the limit is/);

    const job = buildStepJob({ runId: 'r1', scenario, workspaceMode: 'none' }, { step: 'define', taskId: 'a', round: 0, title: 'A', requirements: [] });
    await queue.add(job, { jobId: stepJobId('r1', 'a', 'define', 0), attempts: 1, backoffMs: 10 });
    const good = await waitFor(async () => {
      const o = await queue.outcome(stepJobId('r1', 'a', 'define', 0));
      return o?.state === 'completed' ? o : null;
    });
    expect(good.returnValue).toMatchObject({ result: { step: 'define' }, meta: { persona: 'jordan', userId: 'jordan@example.com' } });
  });

  it('answers a batch job step by step: a malformed step fails alone, the others get their results', async () => {
    const { queue } = await setup('jordan');
    const define = (taskId: string) => buildStepJob({ runId: 'rb', scenario, workspaceMode: 'none' }, { step: 'define', taskId, round: 0, title: taskId, requirements: [] });
    const steps = [
      { id: stepJobId('rb', 'a', 'define', 0), job: define('a') },
      { id: 'bad-step', job: { v: 1, persona: 'jordan', request: { step: 'define' } } },
      { id: stepJobId('rb', 'b', 'define', 0), job: define('b') },
    ];
    const jobId = batchJobId(steps.map((s) => s.id));
    await queue.add({ v: 1, attempts: 2, steps }, { jobId, name: BATCH_JOB_NAME, attempts: 1, backoffMs: 10 });
    const done = await waitFor(async () => {
      const o = await queue.outcome(jobId);
      return o?.state === 'completed' ? o : null;
    });
    const { results } = BatchResultSchema.parse(done.returnValue);
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ ok: { result: { step: 'define' }, meta: { persona: 'jordan', attemptsMade: 0 } } });
    expect(results[1]).toEqual({ error: expect.stringMatching(/^invalid job: .*runId/) });
    expect(results[2]).toMatchObject({ ok: { result: { step: 'define' } } });

    // A batch alone answers as the same steps sent one by one.
    await queue.add(define('a'), { jobId: stepJobId('rb2', 'a', 'define', 0), attempts: 1, backoffMs: 10 });
    const single = await waitFor(async () => {
      const o = await queue.outcome(stepJobId('rb2', 'a', 'define', 0));
      return o?.state === 'completed' ? o : null;
    });
    expect((single.returnValue as { result: unknown }).result).toEqual((results[0] as { ok: { result: unknown } }).ok.result);

    await queue.addRaw(BATCH_JOB_NAME, { v: 1, attempts: 1, steps: [] }, 'empty-batch');
    const empty = await waitFor(async () => {
      const o = await queue.outcome('empty-batch');
      return o?.state === 'failed' ? o : null;
    });
    expect(empty.failedReason).toMatch(/^invalid job: steps/);
  });

  it('refuses a job addressed to another persona', async () => {
    const { queue } = await setup('jordan');
    const job = buildStepJob({ runId: 'r2', scenario, workspaceMode: 'none' }, { step: 'review', taskId: 'a', round: 0, latent: [], size: 10 });
    await queue.addRaw('step', job, 'wrong-1');
    const o = await waitFor(async () => {
      const x = await queue.outcome('wrong-1');
      return x?.state === 'failed' ? x : null;
    });
    expect(o.failedReason).toBe('invalid job: addressed to sarah, this listener is jordan');
  });

  it('beats while alive and stops beating when closed', async () => {
    const { prefix, listener } = await setup('jordan');
    expect((await liveListeners(REDIS_URL, prefix)).map((b) => b.listenerId)).toEqual(['jordan-t']);
    await listener.close();
    expect(await liveListeners(REDIS_URL, prefix)).toEqual([]);
  });

  it('gives the same result on every attempt of a step (results depend on the step, not the attempt)', async () => {
    const { queue } = await setup('alex');
    const request = { step: 'implement' as const, taskId: 'a', round: 0, proxySize: 100, requirementQuality: 0.9, toFix: [] };
    const job = buildStepJob({ runId: 'r3', scenario, workspaceMode: 'none' }, request);
    await queue.add(job, { jobId: 'first', attempts: 1, backoffMs: 10 });
    await queue.add(job, { jobId: 'second', attempts: 1, backoffMs: 10 });
    const results = await Promise.all(
      ['first', 'second'].map((id) =>
        waitFor(async () => {
          const o = await queue.outcome(id);
          return o?.state === 'completed' ? (o.returnValue as { result: unknown }).result : null;
        }),
      ),
    );
    expect(results[1]).toEqual(results[0]);
  });
});
