import { mkdirSync } from 'node:fs';
import { createActor, toPromise } from 'xstate';
import { AspError } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { WORKER_PERSONAS } from '../personas.ts';
import { relativeSizeTables, type RelativeSizeTable } from '../probe/index.ts';
import { StepDispatcher } from '../queue/step-dispatcher.ts';
import type { RuntimeKind } from '../runtime/agent-runtime.ts';
import { acquireRedis, type RedisHandle } from '../runtime/private-redis.ts';
import { provisionPersonaCredentials, type PersonaCredentials } from '../runtime/persona-credentials.ts';
import { createRuntime } from '../runtime/runtime-factory.ts';
import { loadScenarioFile, type LoadedScenario } from '../scenario/scenario-loader.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { planCycles, type PlannedTask } from '../scenario/task-plan.ts';
import { SqliteTelemetryStore } from '../telemetry/sqlite-store.ts';
import { taskMachine } from '../workflow/task-machine.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import { ENGINE_VERSION } from '../version.ts';
import { OutcomeDigest } from './outcome-digest.ts';
import { runLayout, type LayoutOptions, type RunLayout } from './run-layout.ts';
import { RunSummaryBuilder, type RunSummary } from './run-summary.ts';
import { scheduleCycle } from './sim-calendar.ts';
import { combineObservers, type RunObserver } from './run-observer.ts';
import { defaultObservers } from './default-observers.ts';
import { queueStepActors } from './step-actors.ts';
import { watchMachine } from './machine-watch.ts';
import { ProbeHistory, TAIL_TASKS } from './probe-history.ts';
import { runPool } from './task-pool.ts';
import { TelemetryWriter } from '../telemetry/telemetry-writer.ts';
import { subjectOf } from './task-subject.ts';

export interface SimulateOptions {
  scenarioFile: string;
  /** A scenario already loaded (skips reading the file). */
  loaded?: LoadedScenario;
  layout?: LayoutOptions;
  redisUrl?: string;
  runtime?: RuntimeKind;
  workspace?: 'git' | 'none';
  seed?: string | number;
  listenersPerPersona?: number;
  listenerConcurrency?: number;
  taskConcurrency?: number;
  /** Open model: tasks started per second (still capped by taskConcurrency). */
  arrivalRate?: number;
  /**
   * Flat memory for huge runs: outcomes are written as tasks finish and not
   * kept; no simulated calendar; accuracy over the last 10,000 tasks.
   */
  lean?: boolean;
  /** BullMQ prefix; default a private one per run, removed at the end. */
  queuePrefix?: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Recorder, reports, metrics (see run-observer.ts); default: defaultObservers(). */
  observers?: RunObserver[];
  logLevel?: string;
}

export interface Progress {
  cycle: number;
  cycles: number;
  cycleName: string;
  done: number;
  failed: number;
  total: number;
  inFlight: number;
  lastTask?: string;
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

  const redis: RedisHandle = await acquireRedis(options.redisUrl);
  const layout = runLayout(options.layout);
  const { runId } = layout;
  mkdirSync(layout.runDir, { recursive: true });
  const logger = createLogger({ file: layout.logFile, level: options.logLevel, base: { runId } });
  const log = logger.child({ component: 'runner' });
  const started = Date.now();
  const prefix = options.queuePrefix ?? `asp-${runId}`;
  const privatePrefix = options.queuePrefix === undefined;
  const runtime = createRuntime(scenario.runtime);
  const store = new SqliteTelemetryStore(layout.dbPath);
  let dispatcher: StepDispatcher | undefined;
  let credentials: PersonaCredentials | undefined;
  const lean = options.lean ?? false;
  const summary = new RunSummaryBuilder(runId, loaded, scenario, layout, lean);
  const writer = new TelemetryWriter(store, runId);
  const digest = new OutcomeDigest();
  const observe = combineObservers(options.observers ?? defaultObservers(), (err, hook) => log.warn({ err, hook }, 'run observer failed'));
  let status: SimulationResult['status'] = 'failed';
  let result: SimulationResult | undefined;
  try {
    store.migrate();
    store.createRun({
      runId,
      scenarioName: scenario.name,
      scenarioFile: loaded.file,
      scenarioHash: loaded.hash,
      seed: String(scenario.seed),
      runtime: scenario.runtime,
      workspaceMode: scenario.workspace,
      engineVersion: ENGINE_VERSION,
      options: { workflow: scenario.workflow, listeners: scenario.listeners, prefix },
      startedAt: new Date(started).toISOString(),
    });
    observe.runStarted({ runId, loaded, scenario, layout, engineVersion: ENGINE_VERSION, startedAt: started });
    log.info({ scenario: scenario.name, seed: scenario.seed, runtime: scenario.runtime, redis: redis.private ? 'private' : 'shared' }, 'run started');
    credentials = await provisionPersonaCredentials({ redisUrl: redis.url, prefix, runId, runDir: layout.runDir, personas: WORKER_PERSONAS, logger: log });
    await runtime.start({
      runId,
      redisUrl: redis.url,
      redisUrlFiles: credentials.urlFiles(),
      queuePrefix: prefix,
      personas: WORKER_PERSONAS,
      listenersPerPersona: scenario.listeners.perPersona,
      concurrency: scenario.listeners.concurrency,
      workspaceRoot: layout.workspaceRoot,
      runDir: layout.runDir,
      onLog: (persona, line) => forwardListenerLog(logger, persona, line),
      onListenerExit: (persona, info) => log.warn({ persona, ...info }, 'listener exited; restarting it'),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    dispatcher = new StepDispatcher({
      redisUrl: redis.url,
      prefix,
      personas: WORKER_PERSONAS,
      attempts: scenario.workflow.stepAttempts,
      backoffMs: scenario.workflow.stepBackoffMs,
      timeoutMs: scenario.workflow.stepTimeoutMs,
      logger: log,
    });
    await dispatcher.ready();
    const active = dispatcher;
    const actors = queueStepActors({
      runId,
      scenario,
      workspaceMode: scenario.workspace,
      dispatch: (persona, jobId, job, signal) => active.dispatch(persona, jobId, job, signal),
      onDispatch: (request, jobId, job) => observe.jobDispatched({ taskId: request.taskId, persona: job.persona, jobId, job }),
      onResult: (request, jobId, envelope) => {
        observe.resultReceived({ taskId: request.taskId, persona: envelope.meta.persona, jobId, envelope });
        writer.step({ runId, taskId: request.taskId, round: request.round, jobId, result: envelope.result, meta: envelope.meta, receivedAt: Date.now() });
        summary.addCost(envelope.result.cost.usd);
      },
    });
    const machine = taskMachine.provide({ actors });

    const history = new ProbeHistory(scenario);
    let clock = 0;
    const total = cycles.reduce((s, c) => s + c.size, 0);
    const progress: Progress = { cycle: 0, cycles: cycles.length, cycleName: '', done: 0, failed: 0, total, inFlight: 0 };
    let planOffset = 0;
    for (const cycle of cycles) {
      if (options.signal?.aborted) break;
      progress.cycle = cycle.index + 1;
      progress.cycleName = cycle.name;
      options.onProgress?.({ ...progress });
      store.recordCycle(runId, cycle.index, cycle.name, cycle.size);
      summary.startCycle(cycle.size);
      const cycleHistory = history.forCycle();
      // Plan-ordered outcomes: all of them for the calendar, or only the tail the history reads (lean).
      const outcomes: TaskOutcome[] = [];
      const keepFrom = lean ? cycle.size - TAIL_TASKS : 0;
      const pool = { limit: scenario.workflow.concurrency, ...(options.arrivalRate ? { arrivalRate: options.arrivalRate } : {}), ...(options.signal ? { signal: options.signal } : {}) };
      await runPool(cycle.tasks(), pool, async (planned, index) => {
        const task = subjectOf(planned, tables);
        store.recordTaskStart(runId, task);
        progress.inFlight++;
        const actor = createActor(machine, { input: { task, maxReviewRounds: scenario.workflow.maxReviewRounds, history: cycleHistory } });
        actor.subscribe({ error: () => undefined });
        watchMachine(actor, (w) => observe.machineEvent({ taskId: task.id, ...w }));
        actor.start();
        const outcome = await toPromise(actor);
        observe.taskFinished(outcome);
        progress.inFlight--;
        if (index >= keepFrom) outcomes[index] = outcome;
        if (lean) writer.outcome(outcome, null);
        summary.addTask(outcome, index, planOffset + index);
        digest.add(outcome);
        if (outcome.state === 'done') progress.done++;
        else progress.failed++;
        progress.lastTask = outcome.taskId;
        options.onProgress?.({ ...progress });
        if (outcome.failure) log.warn({ taskId: outcome.taskId, failure: outcome.failure }, 'task failed');
      });
      const finished = outcomes.filter(Boolean);
      const calendar = lean ? null : scheduleCycle(finished, clock);
      if (calendar) {
        finished.forEach((o, i) => {
          const span = calendar.tasks[i];
          writer.outcome(o, { startMin: span?.startMin ?? clock, endMin: span?.endMin ?? clock });
        });
        clock = calendar.endMin;
      }
      writer.flush();
      store.finishCycle(runId, cycle.index, calendar?.startMin ?? null, calendar?.endMin ?? null);
      summary.finishCycle(cycle.index, cycle.name, calendar);
      observe.cycleFinished({ cycle: cycle.index, name: cycle.name, outcomes: finished });
      history.addCycle(outcomes);
      planOffset += cycle.size;
    }
    status = options.signal?.aborted ? 'interrupted' : progress.failed > 0 ? 'failed' : 'completed';
  } catch (err) {
    log.error({ err }, 'run failed');
    status = options.signal?.aborted ? 'interrupted' : 'failed';
    summary.setError(err);
    throw err;
  } finally {
    const wallMs = Date.now() - started;
    const final = summary.build(status, digest.value(), wallMs);
    await cleanup(log, [
      ['writer', async () => writer.flush()],
      ['runtime', () => runtime.close()],
      ['credentials', async () => credentials?.close()],
      ['queues', async () => privatePrefix && dispatcher && (await dispatcher.obliterate())],
      ['dispatcher', async () => dispatcher?.close()],
      ['store', async () => {
        store.finishRun(runId, status, { digest: final.digest, summary: final, wallMs });
        store.close();
      }],
      ['redis', () => redis.close()],
    ]);
    await observe.runEnded({ summary: final, status, digest: final.digest });
    log.info({ status, wallMs, digest: final.digest }, 'run ended');
    result = { runId, status, digest: final.digest, summary: final, layout };
  }
  return result;
}

function resolveScenario(scenario: Scenario, options: SimulateOptions): Scenario {
  return {
    ...scenario,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.workspace ? { workspace: options.workspace } : {}),
    workflow: { ...scenario.workflow, ...(options.taskConcurrency ? { concurrency: options.taskConcurrency } : {}) },
    listeners: {
      perPersona: options.listenersPerPersona ?? scenario.listeners.perPersona,
      concurrency: options.listenerConcurrency ?? scenario.listeners.concurrency,
    },
  };
}

/** Fails fast, before anything is written, when a part names a proxy type with no table. */
function checkParts(tasks: PlannedTask[], tables: Record<string, RelativeSizeTable>, file: string): void {
  for (const task of tasks) {
    for (const part of task.parts ?? []) {
      if (!tables[part.type]) {
        throw new AspError('SCENARIO_INVALID', `${file}: task "${task.id}" part "${part.name}" has proxy type "${part.type}", but history.parts has no parts of that type`, {
          exitCode: 2,
          hint: `add historical parts of type "${part.type}" under history.parts, or use one of: ${Object.keys(tables).join(', ') || '(none: give the task a proxySize)'}`,
        });
      }
    }
  }
}

function forwardListenerLog(logger: Logger, persona: string, line: Record<string, unknown> | string): void {
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

async function cleanup(log: Logger, steps: Array<[string, () => Promise<unknown>]>): Promise<void> {
  for (const [name, step] of steps) {
    const t0 = Date.now();
    try {
      await step();
      log.debug({ step: name, ms: Date.now() - t0 }, 'cleanup step done');
    } catch (err) {
      log.warn({ err, step: name }, 'cleanup step failed');
    }
  }
}
