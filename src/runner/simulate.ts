import { mkdirSync } from 'node:fs';
import { checkAgentScenario, hasCommandAgent } from '../agents/agent-team.ts';
import { AspError, ExitCode } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { WORKER_PERSONAS } from '../personas.ts';
import { relativeSizeTables } from '../probe/index.ts';
import { StepDispatcher } from '../queue/step-dispatcher.ts';
import type { RuntimeKind } from '../runtime/agent-runtime.ts';
import { acquireRedis, type RedisHandle } from '../runtime/private-redis.ts';
import { provisionPersonaCredentials, type PersonaCredentials } from '../runtime/persona-credentials.ts';
import { createRuntime } from '../runtime/runtime-factory.ts';
import { loadScenarioFile, type LoadedScenario } from '../scenario/scenario-loader.ts';
import { planCycles } from '../scenario/task-plan.ts';
import { SqliteTelemetryStore } from '../telemetry/sqlite-store.ts';
import { TelemetryWriter } from '../telemetry/telemetry-writer.ts';
import { taskMachine } from '../workflow/task-machine.ts';
import { ENGINE_VERSION } from '../version.ts';
import { CycleRunner, type Progress } from './cycle-runner.ts';
import { defaultObservers } from './default-observers.ts';
import { OutcomeDigest } from './outcome-digest.ts';
import { RedisWatchdog } from './redis-watchdog.ts';
import { RunLease, type RunLeaseOptions } from './run-lease.ts';
import { runLayout, type LayoutOptions, type RunLayout } from './run-layout.ts';
import { combineObservers, type RunObserver } from './run-observer.ts';
import { loadResumeState, stepKey, storedCostOfFinishedTasks, type ResumeState } from './run-resume.ts';
import { preflightRun } from './run-preflight.ts';
import { RunSummaryBuilder, type RunSummary } from './run-summary.ts';
import { checkParts, cleanup, forwardListenerLog, resolveScenario, type ScenarioOverrides } from './run-support.ts';
import { queueStepActors } from './step-actors.ts';

export type { Progress } from './cycle-runner.ts';

export interface SimulateOptions extends ScenarioOverrides {
  scenarioFile: string;
  /** A scenario already loaded (skips reading the file). */
  loaded?: LoadedScenario;
  layout?: LayoutOptions;
  redisUrl?: string;
  runtime?: RuntimeKind;
  /** Open model: tasks started per second (still capped by taskConcurrency). */
  arrivalRate?: number;
  /**
   * Flat memory for huge runs: outcomes are written as tasks finish and not
   * kept; no simulated calendar; accuracy over the last 10,000 tasks.
   */
  lean?: boolean;
  /** Finish this interrupted or crashed run (same database) instead of starting one. */
  resume?: string;
  /** BullMQ prefix; default a private one per run, removed at the end. */
  queuePrefix?: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Recorder, reports, metrics (see run-observer.ts); default: defaultObservers(). */
  observers?: RunObserver[];
  logLevel?: string;
}

export interface SimulationResult {
  runId: string;
  status: 'completed' | 'failed' | 'interrupted';
  digest: string;
  summary: RunSummary;
  layout: RunLayout;
}

/**
 * Runs a scenario end to end: validates it (before writing anything), finds
 * Redis, starts the listeners, drives one task machine per task through the
 * persona queues cycle by cycle, and writes telemetry as results arrive.
 */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const loaded = options.loaded ?? loadScenarioFile(options.scenarioFile);
  const scenario = resolveScenario(loaded.scenario, options);
  const tables = relativeSizeTables(scenario.history.parts);
  const cycles = planCycles(scenario);
  checkParts(cycles.flatMap((c) => [...c.tasks()].slice(0, 10_000)), tables, loaded.file);
  checkAgentScenario(scenario, loaded.file);

  const layout = runLayout({ ...options.layout, ...(options.resume ? { runId: options.resume } : {}) });
  await preflightRun({ dbPath: layout.dbPath, runtime: scenario.runtime });
  const redis: RedisHandle = await acquireRedis(options.redisUrl);
  const { runId } = layout;
  const store = new SqliteTelemetryStore(layout.dbPath);
  let resume: ResumeState | undefined;
  let lease: RunLease | undefined;
  // The run stops on the user's signal, or resumably on an infrastructure fault (fault says which).
  const stop = new AbortController();
  let fault: AspError | undefined;
  const stopRun = (err: AspError) => {
    if (fault) return;
    fault = err;
    log.error({ err }, 'stopping the run');
    stop.abort();
  };
  const leaseOptions: RunLeaseOptions = {
    onLost: (holder) =>
      stopRun(new AspError('RUNTIME_FAILED', `run ${runId} was taken over by ${holder} (this process did not refresh its lease in time); this process stopped without writing the run's end`, {
        exitCode: 3,
        hint: `let the other process finish the run; if it died, finish it with: npm run simulate -- --resume ${runId}`,
      })),
    onRenewFailed: (err) => log.warn({ err }, 'could not refresh the run lease (database busy?); trying again'),
  };
  try {
    store.migrate();
    resume = options.resume ? loadResumeState(store, options.resume) : undefined;
    // Before anything is written: a run still executing elsewhere is left alone (exit 2).
    if (resume) lease = RunLease.acquire(store, runId, leaseOptions);
  } catch (err) {
    store.close();
    await redis.close();
    throw err;
  }
  mkdirSync(layout.runDir, { recursive: true });
  const logger = createLogger({ file: layout.logFile, level: options.logLevel, base: { runId } });
  const log = logger.child({ component: 'runner' });
  const started = Date.now();
  const prefix = resume?.prefix ?? options.queuePrefix ?? `asp-${runId}`;
  const privatePrefix = options.queuePrefix === undefined;
  const runtime = createRuntime(scenario.runtime);
  const lean = options.lean ?? false;
  const summary = new RunSummaryBuilder(runId, loaded, scenario, layout, lean);
  if (resume) summary.addCost(storedCostOfFinishedTasks(resume));
  const writer = new TelemetryWriter(store, runId);
  const digest = new OutcomeDigest();
  const observe = combineObservers(options.observers ?? defaultObservers(), (err, hook) => log.warn({ err, hook }, 'run observer failed'));
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let outage: AspError | undefined;
  const watchdog = new RedisWatchdog(redis.url, scenario.workflow.redisOutageMs, {
    onDown: () => log.warn('Redis does not answer; the run waits for it'),
    onBack: (ms) => {
      log.info({ downMs: ms }, 'Redis is back; the run continues');
      // A Redis that restarted empty forgot the persona users: give them back.
      credentials?.restore().catch((err: unknown) => log.error({ err }, 'could not restore the persona Redis users'));
    },
    onOutage: (ms) => {
      outage = new AspError('REDIS_UNAVAILABLE', `Redis went away for ${Math.round(ms / 1000)} s during run ${runId}; the run stopped`, {
        exitCode: ExitCode.INFRASTRUCTURE,
        hint: `start Redis again, then finish the run with: npm run simulate -- --resume ${runId}`,
      });
      log.error({ downMs: ms }, 'Redis outage: stopping the run');
      stop.abort();
    },
  });
  let dispatcher: StepDispatcher | undefined;
  let credentials: PersonaCredentials | undefined;
  let status: SimulationResult['status'] = 'failed';
  let result: SimulationResult | undefined;
  try {
    if (resume) store.reopenRun(runId);
    else {
      store.createRun({
        runId,
        scenarioName: scenario.name,
        scenarioFile: loaded.file,
        scenarioHash: loaded.hash,
        scenarioSource: loaded.source,
        seed: String(scenario.seed),
        runtime: scenario.runtime,
        workspaceMode: scenario.workspace,
        engineVersion: ENGINE_VERSION,
        options: { workflow: scenario.workflow, listeners: scenario.listeners, prefix },
        startedAt: new Date(started).toISOString(),
        deterministic: !hasCommandAgent(scenario),
      });
      lease = RunLease.acquire(store, runId, leaseOptions);
    }
    observe.runStarted({ runId, loaded, scenario, layout, engineVersion: ENGINE_VERSION, startedAt: started });
    log.info({ scenario: scenario.name, seed: scenario.seed, runtime: scenario.runtime, redis: redis.private ? 'private' : 'shared', resumed: Boolean(resume) }, 'run started');
    watchdog.start();
    credentials = await provisionPersonaCredentials({ redisUrl: redis.url, prefix, runId, runDir: layout.runDir, personas: WORKER_PERSONAS, logger: log });
    await runtime.start({
      runId,
      redisUrl: redis.url,
      redisUrlFiles: credentials.urlFiles(),
      ...(process.env.ASP_API_KEY_FILE ? { apiKeyFile: process.env.ASP_API_KEY_FILE } : {}),
      queuePrefix: prefix,
      personas: WORKER_PERSONAS,
      listenersPerPersona: scenario.listeners.perPersona,
      concurrency: scenario.listeners.concurrency,
      workspaceRoot: layout.workspaceRoot,
      runDir: layout.runDir,
      onLog: (persona, line) => forwardListenerLog(logger, persona, line),
      onListenerExit: (persona, info) => log.warn({ persona, ...info }, 'listener exited; restarting it'),
      signal,
    });
    dispatcher = new StepDispatcher({
      redisUrl: redis.url,
      prefix,
      personas: WORKER_PERSONAS,
      attempts: scenario.workflow.stepAttempts,
      backoffMs: scenario.workflow.stepBackoffMs,
      timeoutMs: scenario.workflow.stepTimeoutMs,
      logger: log,
      // In-flight steps are handed back when the run stops (interrupt, Redis outage).
      signal,
    });
    await dispatcher.ready();
    const active = dispatcher;
    const actors = queueStepActors({
      runId,
      scenario,
      workspaceMode: scenario.workspace,
      dispatch: (persona, jobId, job, s) => active.dispatch(persona, jobId, job, s),
      ...(resume ? { lookup: (request) => resume?.steps.get(stepKey(request.taskId, request.step, request.round)) } : {}),
      onDispatch: (request, jobId, job) => observe.jobDispatched({ taskId: request.taskId, persona: job.persona, jobId, job }),
      onResult: (request, jobId, envelope) => {
        observe.resultReceived({ taskId: request.taskId, persona: envelope.meta.persona, jobId, envelope });
        writer.step({ runId, taskId: request.taskId, round: request.round, jobId, result: envelope.result, meta: envelope.meta, receivedAt: Date.now() });
        summary.addCost(envelope.result.cost.usd);
      },
    });
    const runner = new CycleRunner(
      {
        runId, scenario, tables, store, writer, summary, digest, observe, log, lean, signal,
        machine: taskMachine.provide({ actors }),
        ...(options.arrivalRate ? { arrivalRate: options.arrivalRate } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(resume ? { resume } : {}),
      },
      cycles,
    );
    await runner.runAll();
    if (outage) throw outage;
    if (fault) throw fault;
    // Simulated task failures (round limit, rejection) are outcomes: the run itself completed.
    status = signal.aborted ? 'interrupted' : 'completed';
  } catch (err) {
    log.error({ err }, 'run failed');
    status = signal.aborted ? 'interrupted' : 'failed';
    summary.setError(err);
    throw err;
  } finally {
    watchdog.close();
    const wallMs = Date.now() - started;
    const final = summary.build(status, digest.value(), wallMs);
    await cleanup(log, [
      ['writer', async () => writer.flush()],
      ['runtime', () => runtime.close()],
      ['credentials', async () => credentials?.close()],
      // Every step result is in the database, so even an interrupted run leaves no keys behind.
      // After an outage Redis is gone: nothing to remove now (a resume removes the queues), and nothing may linger to run later.
      ['queues', async () => privatePrefix && !outage && dispatcher && (await dispatcher.obliterate())],
      ['dispatcher', async () => dispatcher?.close(Boolean(outage))],
      ['store', async () => {
        // A run taken over by another process is that process's to finish.
        if (lease?.held !== false) store.finishRun(runId, status, { digest: final.digest, summary: final, wallMs });
        lease?.release();
        store.close();
      }],
      ['redis', () => redis.close()],
    ], outage ? 3000 : 20_000);
    await observe.runEnded({ summary: final, status, digest: final.digest });
    log.info({ status, wallMs, digest: final.digest }, 'run ended');
    result = { runId, status, digest: final.digest, summary: final, layout };
  }
  return result;
}
