import { AspError, ExitCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { WORKER_PERSONAS, type PersonaName } from '../personas.ts';
import { batchingPersonas, liveListeners } from '../queue/listener-registry.ts';
import type { StepEnvelope, StepJob } from '../queue/job-schema.ts';
import { batchStepsFromEnv } from '../queue/step-batch.ts';
import { StepDispatcher } from '../queue/step-dispatcher.ts';
import type { AgentRuntime } from '../runtime/agent-runtime.ts';
import { provisionPersonaCredentials, type PersonaCredentials } from '../runtime/persona-credentials.ts';
import type { RedisHandle } from '../runtime/private-redis.ts';
import { createRuntime } from '../runtime/runtime-factory.ts';
import { cleanup } from './cleanup-steps.ts';
import { RedisWatchdog } from './redis-watchdog.ts';
import type { StepTransport, TransportContext } from './step-transport.ts';

export interface QueueTransportOptions {
  /** BullMQ prefix of the run's queues. */
  prefix: string;
  /** Remove the queues at the end (a private prefix). */
  removeQueues: boolean;
  /** Where listeners keep workspaces and their per-run files. */
  workspaceRoot: string;
  runDir: string;
  /** The run's root logger: listener log lines are written into it. */
  logger: Logger;
  /** The scenario's runtime, when already made (default: createRuntime(scenario.runtime)). */
  runtime?: AgentRuntime;
  /** Standing listeners (compose) with Redis users of their own: the run makes none. */
  standing?: boolean;
  /** Most steps of one persona in one queue job [ASP_STEP_BATCH, else 32; 1: one job per step]. */
  batchSteps?: number;
}

/**
 * Delivers steps through the persona queues: BullMQ on Redis, consumed by
 * listener processes or containers of the scenario's runtime, each persona
 * with its own Redis user. A Redis outage longer than the scenario allows
 * stops the run resumably (TransportContext.fail).
 */
export class QueueTransport implements StepTransport {
  readonly kind = 'queue';
  private runtime: AgentRuntime | undefined;
  private credentials: PersonaCredentials | undefined;
  private dispatcher: StepDispatcher | undefined;
  private watchdog: RedisWatchdog | undefined;
  private outage = false;
  private recovering = false;
  private lastRecovery = 0;
  private closing: Promise<void> | undefined;
  /** Personas whose every listener takes batch jobs (the others get one job per step). */
  private batching: ReadonlySet<PersonaName> = new Set();

  /** `redis`: found before anything is written (acquireRedis); the transport closes it. */
  constructor(
    private readonly redis: RedisHandle,
    private readonly options: QueueTransportOptions,
  ) {}

  async start(ctx: TransportContext): Promise<void> {
    const { runId, scenario, signal, log } = ctx;
    const { prefix, runDir } = this.options;
    this.watchdog = new RedisWatchdog(this.redis.url, scenario.workflow.redisOutageMs, {
      onDown: () => log.warn('Redis does not answer; the run waits for it'),
      onBack: (ms) => {
        log.info({ downMs: ms }, 'Redis is back; the run continues');
        this.recoverRedis(log, signal, 'Redis is back after an outage');
      },
      // However short the outage: a restarted Redis forgot the persona users and the jobs in flight.
      onRestart: (serverId) => this.recoverRedis(log, signal, `Redis restarted (new run_id ${serverId})`),
      onOutage: (ms) => {
        this.outage = true;
        log.error({ downMs: ms }, 'Redis outage: stopping the run');
        ctx.fail(
          new AspError('REDIS_UNAVAILABLE', `Redis went away for ${Math.round(ms / 1000)} s during run ${runId}; the run stopped`, {
            exitCode: ExitCode.INFRASTRUCTURE,
            hint: `start Redis again, then finish the run with: npm run simulate -- --resume ${runId}`,
          }),
        );
      },
    });
    this.watchdog.start();
    if (!this.options.standing) this.credentials = await provisionPersonaCredentials({ redisUrl: this.redis.url, prefix, runId, runDir, personas: WORKER_PERSONAS, logger: log });
    // The dispatcher's queues connect while the listeners start.
    this.dispatcher = new StepDispatcher({
      redisUrl: this.redis.url,
      prefix,
      personas: WORKER_PERSONAS,
      attempts: scenario.workflow.stepAttempts,
      backoffMs: scenario.workflow.stepBackoffMs,
      timeoutMs: scenario.workflow.stepTimeoutMs,
      logger: log,
      // In-flight steps are handed back when the run stops (interrupt, Redis outage).
      signal,
      batchSteps: this.options.batchSteps ?? batchStepsFromEnv(),
    });
    this.runtime = this.options.runtime ?? createRuntime(scenario.runtime);
    const listeners = this.runtime.start({
      runId,
      redisUrl: this.redis.url,
      redisUrlFiles: this.credentials?.urlFiles() ?? {},
      ...(process.env.ASP_API_KEY_FILE ? { apiKeyFile: process.env.ASP_API_KEY_FILE } : {}),
      queuePrefix: prefix,
      personas: WORKER_PERSONAS,
      listenersPerPersona: scenario.listeners.perPersona,
      concurrency: scenario.listeners.concurrency,
      workspaceRoot: this.options.workspaceRoot,
      runDir,
      onLog: (persona, line) => {
        forwardListenerLog(this.options.logger, persona, line);
        if (refusedByRedis(line)) this.recoverRedis(log, signal, `the ${persona} listener was refused by Redis (its user is gone)`);
      },
      onListenerExit: (persona, info) => log.warn({ persona, ...info }, 'listener exited; restarting it'),
      onPersonaDown: (persona, lastExit) =>
        ctx.fail(
          new AspError('RUNTIME_FAILED', `persona ${persona} has no live listener (${lastExit}); run ${runId} stopped without failing any of ${persona}'s tasks`, {
            exitCode: ExitCode.INFRASTRUCTURE,
            hint: `see the ${persona} listener lines in ${runDir}/run.log, then finish the run with: npm run simulate -- --resume ${runId}`,
          }),
        ),
      signal,
    });
    const started = await Promise.allSettled([listeners, this.dispatcher.ready()]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Standing listeners may be of an older build than this runner: batch jobs only where every listener takes them.
    this.batching = batchingPersonas(await liveListeners(this.redis.url, prefix), WORKER_PERSONAS);
    const single = WORKER_PERSONAS.filter((p) => !this.batching.has(p));
    if (single.length > 0) log.info({ personas: single }, 'listeners without batch jobs (an older build): one job per step for these personas');
  }

  /** Gives back what Redis lost (the persona ACL users, the jobs in flight); one at a time, at most once a second. */
  private recoverRedis(log: Logger, signal: AbortSignal, reason: string): void {
    if (this.recovering || signal.aborted || Date.now() - this.lastRecovery < 1000) return;
    this.recovering = true;
    log.warn({ reason }, 'restoring the persona Redis users and the jobs in flight');
    void (async () => {
      try {
        await this.credentials?.restore();
        await this.dispatcher?.recover();
      } catch (err) {
        log.error({ err }, 'could not restore the persona Redis users; trying again at the next sign');
      } finally {
        this.recovering = false;
        this.lastRecovery = Date.now();
      }
    })();
  }

  deliver(persona: PersonaName, jobId: string, job: StepJob): Promise<StepEnvelope> {
    if (!this.dispatcher) throw new AspError('STEP_FAILED', 'the queue transport is not started');
    // A simulated step without a workspace may share a job with others of its persona (step-batch.ts).
    // The dispatcher hands every step in flight back as interrupted when the run's signal aborts.
    return this.dispatcher.dispatch(persona, jobId, job, !job.agent && job.workspace.mode === 'none' && this.batching.has(persona));
  }

  close(): Promise<void> {
    this.closing ??= cleanup(
      this.options.logger.child({ component: 'queue-transport' }),
      [
        ['watchdog', async () => this.watchdog?.close()],
        ['runtime', async () => this.runtime?.close()],
        ['credentials', async () => this.credentials?.close()],
        // Every step result has been reported, so even an interrupted run leaves no keys behind.
        // After an outage Redis is gone: nothing to remove now (a resume removes the queues), and nothing may linger to run later.
        ['queues', async () => this.options.removeQueues && !this.outage && this.dispatcher && (await this.dispatcher.obliterate())],
        ['dispatcher', async () => this.dispatcher?.close(this.outage)],
        ['redis', () => this.redis.close()],
      ],
      this.outage ? 3000 : 20_000,
    );
    return this.closing;
  }
}

/** A listener's error line saying Redis refused its user (WRONGPASS, NOPERM, NOAUTH): the user is gone or changed. */
export function refusedByRedis(line: Record<string, unknown> | string): boolean {
  if (typeof line !== 'string' && (typeof line.level !== 'number' || line.level < 40)) return false;
  return /\b(WRONGPASS|NOPERM|NOAUTH)\b/.test(typeof line === 'string' ? line : JSON.stringify(line));
}

/** Writes a listener's log line into the run's log, with the persona as a field. */
export function forwardListenerLog(logger: Logger, persona: string, line: Record<string, unknown> | string): void {
  if (typeof line === 'string') {
    logger.info({ component: 'listener', persona }, line);
    return;
  }
  const { level, msg, time: _time, pid: _pid, hostname: _host, ...rest } = line;
  const fields = { component: 'listener', ...rest, persona };
  const text = typeof msg === 'string' ? msg : 'listener';
  const n = typeof level === 'number' ? level : 30;
  if (n >= 50) logger.error(fields, text);
  else if (n >= 40) logger.warn(fields, text);
  else if (n >= 30) logger.info(fields, text);
  else logger.debug(fields, text);
}
