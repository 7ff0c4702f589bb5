import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import { StepQueue } from '../../src/queue/bullmq-driver.ts';
import { liveListeners } from '../../src/queue/listener-registry.ts';
import { PersonaListener } from '../../src/queue/persona-listener.ts';
import { buildStepJob } from '../../src/engine/step-job.ts';
import { parseScenario } from '../../src/scenario/scenario-loader.ts';
import { FIXTURE_AGENT } from '../support/agent-scenario.ts';
import { REDIS_URL } from '../support/temp-run.ts';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function jordanAs(mode: string, timeoutMs = 30_000) {
  return parseScenario(
    `name: t\nworkspace: git\npersonas:\n  jordan:\n    agent: { kind: command, command: [node, ${JSON.stringify(FIXTURE_AGENT)}, ${mode}], timeoutMs: ${timeoutMs} }\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 50 }]\n`,
  ).scenario;
}

async function outcomeOf(queue: StepQueue, jobId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const o = await queue.outcome(jobId);
    if (o?.state === 'failed' || o?.state === 'completed') return o;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('persona listener with a command agent (real Redis, processes, git)', () => {
  it('fails the step of a garbage-printing or hanging agent with the reason, retried as configured, and keeps serving', async () => {
    const prefix = `asp-test-${randomUUID()}`;
    const root = mkdtempSync(join(tmpdir(), 'asp-agent-listener-'));
    closers.push(() => rmSync(root, { recursive: true, force: true }));
    const listener = new PersonaListener({
      persona: 'jordan',
      listenerId: 'jordan-t',
      userId: 'jordan@example.com',
      redisUrl: REDIS_URL,
      prefix,
      concurrency: 2,
      workspaceRoot: root,
      logger: silentLogger(),
    });
    await listener.start();
    const queue = new StepQueue({ redisUrl: REDIS_URL, prefix, persona: 'jordan' }, { onCompleted: () => undefined, onFailed: () => undefined });
    await queue.ready();
    closers.push(async () => {
      await listener.close();
      await queue.obliterate();
      await queue.close();
    });
    const define = { step: 'define' as const, taskId: 'a', round: 0, title: 'A', requirements: ['one'] };

    await queue.add(buildStepJob({ runId: 'r1', scenario: jordanAs('garbage'), workspaceMode: 'git' }, define), { jobId: 'garbage', attempts: 2, backoffMs: 10 });
    const garbage = await outcomeOf(queue, 'garbage');
    expect(garbage.state).toBe('failed');
    expect(garbage.failedReason).toMatch(/^command agent of jordan failed the define step: its response is not JSON .*\{this is not json at all/);

    await queue.add(buildStepJob({ runId: 'r2', scenario: jordanAs('hang', 700), workspaceMode: 'git' }, define), { jobId: 'hang', attempts: 1, backoffMs: 10 });
    const hang = await outcomeOf(queue, 'hang');
    expect(hang.failedReason).toMatch(/the agent did not answer within 700 ms \(timeoutMs\); it was killed/);

    // The listener is still there and still serves.
    expect((await liveListeners(REDIS_URL, prefix)).map((b) => b.listenerId)).toEqual(['jordan-t']);
    await queue.add(buildStepJob({ runId: 'r3', scenario: jordanAs('env'), workspaceMode: 'git' }, define), { jobId: 'good', attempts: 1, backoffMs: 10 });
    const good = await outcomeOf(queue, 'good');
    expect(good.state).toBe('completed');
    expect(good.returnValue).toMatchObject({ result: { step: 'define', actor: 'command:misbehaving-agent.mjs', requirementCount: 1 }, meta: { persona: 'jordan', attemptsMade: 0 } });
  });
});
