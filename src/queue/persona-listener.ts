import { hostname } from 'node:os';
import { createPersonaAgent } from '../agents/agent-factory.ts';
import { CommandAgent } from '../agents/command-agent.ts';
import { TransientStepError, type PersonaAgent } from '../agents/persona-agent.ts';
import { executeStep } from '../agents/step-execution.ts';
import { AspError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PersonaName } from '../personas.ts';
import { StepConsumer, UnrecoverableError, type ConsumedJob } from './bullmq-driver.ts';
import { runBatch } from './batch-handler.ts';
import { checkedStepJob } from './job-check.ts';
import { MAX_JOB_BYTES, StepJobSchema, describeIssues, type StepEnvelope, type StepJob } from './job-schema.ts';
import { BATCH_JOB_NAME } from './step-batch.ts';
import { Heartbeat, LISTENER_CAPABILITIES, type LastStep } from './listener-registry.ts';

export interface PersonaListenerOptions {
  persona: PersonaName;
  listenerId: string;
  userId: string;
  redisUrl: string;
  prefix: string;
  concurrency: number;
  workspaceRoot: string;
  logger: Logger;
  /** The persona's API key (ASP_API_KEY_FILE): a command agent gets it as OPENAI_API_KEY. Never logged. */
  apiKey?: string;
}

/**
 * Consumes one persona's queue: validates each job, runs the persona's agent
 * and returns the result envelope (a batch job: one answer per step, see
 * batch-handler.ts). A malformed job fails at once (no retry)
 * with the reason; the listener keeps serving.
 */
export class PersonaListener {
  private readonly consumer: StepConsumer;
  private readonly heartbeat: Heartbeat;
  private readonly agent: PersonaAgent;
  /** For jobs that name a command agent (scenario personas.<name>.agent). */
  private readonly commandAgent: PersonaAgent;
  private readonly startedAt = Date.now();
  private jobsDone = 0;
  private active = 0;
  private lastStep: LastStep | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: PersonaListenerOptions) {
    this.agent = createPersonaAgent(options.persona);
    this.commandAgent = new CommandAgent({ persona: options.persona, env: process.env, appDir: process.cwd(), ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
    this.consumer = new StepConsumer({
      redisUrl: options.redisUrl,
      prefix: options.prefix,
      persona: options.persona,
      concurrency: options.concurrency,
      handler: (job) => this.handle(job),
      onFailed: (jobId, err) => options.logger.warn({ jobId, err: { message: err.message, name: err.name } }, 'job failed'),
      onError: (err) => options.logger.error({ err }, 'worker error'),
    });
    this.heartbeat = new Heartbeat(options.redisUrl, options.prefix, () => ({
      persona: options.persona,
      listenerId: options.listenerId,
      userId: options.userId,
      pid: process.pid,
      host: hostname(),
      startedAt: this.startedAt,
      jobsDone: this.jobsDone,
      ...(this.lastStep ? { lastStep: this.lastStep } : {}),
      capabilities: [...LISTENER_CAPABILITIES],
    }));
  }

  async start(): Promise<void> {
    await this.consumer.start();
    await this.heartbeat.start();
    this.options.logger.info({ concurrency: this.options.concurrency, workspaceRoot: this.options.workspaceRoot }, 'listener ready');
  }

  private handle(raw: ConsumedJob): Promise<unknown> {
    if (raw.name === BATCH_JOB_NAME) return runBatch(raw.data, (data, stepId, attempt) => this.runStep(raw, data, stepId, attempt), this.options.logger);
    return this.runStep(raw, raw.data, raw.id, raw.attemptsMade);
  }

  /** One step: its job data validated, its agent run on `attempt`, its result envelope. */
  private async runStep(raw: ConsumedJob, data: unknown, jobId: string, attempt: number): Promise<StepEnvelope> {
    const size = Buffer.byteLength(JSON.stringify(data ?? null));
    if (size > MAX_JOB_BYTES) throw new UnrecoverableError(`invalid job: payload is ${size} bytes, the limit is ${MAX_JOB_BYTES}`);
    const job = checkedStepJob(data) ?? parsedJob(data);
    if (job.persona !== this.options.persona) {
      throw new UnrecoverableError(`invalid job: addressed to ${job.persona}, this listener is ${this.options.persona}`);
    }
    const { taskId, step, round } = job.request;
    const startedAt = Date.now();
    this.active++;
    try {
      const result = await executeStep(job.agent ? this.commandAgent : this.agent, job, { workspaceRoot: this.options.workspaceRoot, attempt });
      this.jobsDone++;
      this.lastStep = { runId: job.runId, taskId, step, round, at: Date.now() };
      // No child logger per job: the line is only built when debug lines are written.
      const log = this.options.logger;
      if (log.isLevelEnabled('debug')) log.child({ jobId }).debug({ taskId, step, round, minutes: result.minutes, ...(result.actor ? { actor: result.actor } : {}) }, 'step done');
      return {
        result,
        meta: {
          persona: this.options.persona,
          listenerId: this.options.listenerId,
          userId: this.options.userId,
          pid: process.pid,
          attemptsMade: attempt,
          enqueuedAt: raw.timestamp,
          startedAt,
          finishedAt: Date.now(),
        },
      };
    } catch (err) {
      if (err instanceof TransientStepError) throw err;
      if (err instanceof AspError && err.code === 'JOB_INVALID') throw new UnrecoverableError(`invalid job: ${err.message}`);
      throw err;
    } finally {
      this.active--;
    }
  }

  /** Jobs this listener is working on now (a forced stop abandons them). */
  get activeJobs(): number {
    return this.active;
  }

  /** Stops taking jobs, finishes the active ones, then stops beating. Safe to call twice. */
  close(force = false): Promise<void> {
    this.closing ??= (async () => {
      const errors: unknown[] = [];
      await this.consumer.close(force).catch((e) => errors.push(e));
      await this.heartbeat.close().catch((e) => errors.push(e));
      this.options.logger.info({ jobsDone: this.jobsDone }, 'listener stopped');
      if (errors.length > 0) throw errors[0];
    })();
    return this.closing;
  }
}

/** A job the hand-written check (job-check.ts) did not accept, through the schema: its parse, or its message. */
function parsedJob(data: unknown): StepJob {
  const parsed = StepJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid job: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
