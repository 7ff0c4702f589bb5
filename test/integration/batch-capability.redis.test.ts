import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPersonaAgent } from '../../src/agents/agent-factory.ts';
import { executeStep } from '../../src/agents/step-execution.ts';
import { InlineTransport } from '../../src/engine/inline-transport.ts';
import { QueueTransport } from '../../src/engine/queue-transport.ts';
import { runScenario } from '../../src/engine/run-engine.ts';
import { silentLogger } from '../../src/logger.ts';
import { obliterateQueues, StepConsumer, UnrecoverableError } from '../../src/queue/bullmq-driver.ts';
import type { StepJob } from '../../src/queue/job-schema.ts';
import { batchingPersonas, Heartbeat, type ListenerBeat } from '../../src/queue/listener-registry.ts';
import { PersonaListener } from '../../src/queue/persona-listener.ts';
import { BATCH_JOB_NAME } from '../../src/queue/step-batch.ts';
import type { AgentRuntime } from '../../src/runtime/agent-runtime.ts';
import { acquireRedis } from '../../src/runtime/private-redis.ts';
import { parseScenario } from '../../src/scenario/scenario-loader.ts';
import { REDIS_URL, REPO } from '../support/temp-run.ts';

const file = join(REPO, 'scenarios/load-200.yaml');
const { scenario } = parseScenario(readFileSync(file, 'utf8'), file);
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});

/**
 * Sarah's listener as a build from before batch jobs served her queue: its
 * beat has no capabilities and it fails a batch job as malformed (its job
 * schema knows no such job), while it answers step jobs.
 */
async function olderSarah(prefix: string, claimsBatches: boolean): Promise<{ batchJobs: () => number }> {
  let batchJobs = 0;
  const agent = createPersonaAgent('sarah');
  const consumer = new StepConsumer({
    redisUrl: REDIS_URL,
    prefix,
    persona: 'sarah',
    concurrency: 16,
    handler: async (job) => {
      if (job.name === BATCH_JOB_NAME) {
        batchJobs++;
        throw new UnrecoverableError('invalid job: v: Invalid input: expected 1');
      }
      const data = job.data as StepJob;
      const startedAt = Date.now();
      const result = await executeStep(agent, data, { workspaceRoot: '/nonexistent', attempt: job.attemptsMade });
      const meta = {
        persona: 'sarah',
        listenerId: 'sarah-old',
        userId: 'sarah@example.com',
        pid: process.pid,
        attemptsMade: job.attemptsMade,
        enqueuedAt: job.timestamp,
        startedAt,
        finishedAt: Date.now(),
      };
      return { result, meta };
    },
  });
  const beat: ListenerBeat = { persona: 'sarah', listenerId: 'sarah-old', userId: 'sarah@example.com', pid: process.pid, host: 'old', startedAt: Date.now(), jobsDone: 0 };
  const heartbeat = new Heartbeat(REDIS_URL, prefix, () => (claimsBatches ? { ...beat, capabilities: ['step-batch'] } : beat));
  await consumer.start();
  await heartbeat.start();
  closers.push(async () => {
    await consumer.close();
    await heartbeat.close();
  });
  return { batchJobs: () => batchJobs };
}

/** Jordan and Alex of this build, and the older Sarah, standing under `prefix` as a compose stack's are. */
async function standingTeam(prefix: string, sarahClaimsBatches: boolean) {
  for (const persona of ['jordan', 'alex'] as const) {
    const listener = new PersonaListener({
      persona,
      listenerId: `${persona}-new`,
      userId: `${persona}@example.com`,
      redisUrl: REDIS_URL,
      prefix,
      concurrency: 16,
      workspaceRoot: '/nonexistent',
      logger: silentLogger(),
    });
    await listener.start();
    closers.push(() => listener.close());
  }
  const sarah = await olderSarah(prefix, sarahClaimsBatches);
  closers.push(() => obliterateQueues(REDIS_URL, prefix, ['jordan', 'alex', 'sarah']));
  return sarah;
}

const standingRuntime: AgentRuntime = { kind: 'compose', start: async () => undefined, listeners: () => [], close: async () => undefined };

async function runOnQueues(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), 'asp-batch-cap-'));
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  const transport = new QueueTransport(await acquireRedis(REDIS_URL), {
    prefix,
    workspaceRoot: join(dir, 'ws'),
    runDir: dir,
    logger: silentLogger(),
    runtime: standingRuntime,
    standing: true,
    removeQueues: false,
  });
  return runScenario({ runId: `batch-cap-${randomUUID().slice(0, 8)}`, scenario, transport });
}

describe('batch jobs only for listeners that take them (real Redis, standing listeners of two builds)', () => {
  it('a persona is batched only when every one of its live listeners says it takes batch jobs', () => {
    const beat = (persona: 'jordan' | 'alex' | 'sarah', capabilities?: string[]): ListenerBeat => ({
      persona,
      listenerId: `${persona}-${Math.random()}`,
      userId: '',
      pid: 1,
      host: '',
      startedAt: 0,
      jobsDone: 0,
      ...(capabilities ? { capabilities } : {}),
    });
    const beats = [beat('jordan', ['step-batch']), beat('alex', ['step-batch']), beat('alex'), beat('sarah', [])];
    expect([...batchingPersonas(beats, ['jordan', 'alex', 'sarah'])]).toEqual(['jordan']);
    expect([...batchingPersonas([], ['jordan'])]).toEqual([]);
  });

  it('an older listener gets one job per step, and the run completes with the inline digest', async () => {
    const inline = await runScenario({ runId: 'batch-cap-inline', scenario, transport: new InlineTransport({ workspaceRoot: '/nonexistent' }) });
    const prefix = `asp-test-${randomUUID()}`;
    const sarah = await standingTeam(prefix, false);
    const ran = await runOnQueues(prefix);
    expect(ran.status).toBe('completed');
    expect(ran.progress.done + ran.progress.failed).toBe(200);
    expect(ran.digest).toBe(inline.digest);
    expect(sarah.batchJobs()).toBe(0);
  }, 120_000);

  it('(the check can fail) the same older listener claiming batch jobs gets them, and the run stops on them', async () => {
    const prefix = `asp-test-${randomUUID()}`;
    const sarah = await standingTeam(prefix, true);
    await expect(runOnQueues(prefix)).rejects.toThrow(/invalid job/);
    expect(sarah.batchJobs()).toBeGreaterThan(0);
  }, 120_000);
});
