import { mkdirSync } from 'node:fs';
import { checkAgentScenario, hasCommandAgent } from '../agents/agent-team.ts';
import { AspError, ExitCode } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { relativeSizeTables } from '../probe/index.ts';
import { cleanup } from '../engine/cleanup-steps.ts';
import { InlineTransport } from '../engine/inline-transport.ts';
import { QueueTransport } from '../engine/queue-transport.ts';
import { isRunFault, runScenario, type Progress } from '../engine/run-engine.ts';
import { combineObservers, type RunObserver } from '../engine/run-observer.ts';
import type { StepTransport } from '../engine/step-transport.ts';
import type { RuntimeKind } from '../runtime/agent-runtime.ts';
import { acquireRedis, type RedisHandle } from '../runtime/private-redis.ts';
import { createRuntime } from '../runtime/runtime-factory.ts';
import { loadScenarioFile, type LoadedScenario } from '../scenario/scenario-loader.ts';
import { planCycles } from '../scenario/task-plan.ts';
import { openTelemetryStore } from '../telemetry/open-store.ts';
import { ENGINE_VERSION } from '../version.ts';
import { runLayout, type LayoutOptions, type RunLayout } from './run-layout.ts';
import { RunLease, type RunLeaseOptions } from './run-lease.ts';
import { loadResumeState, stepKey, storedCostOfFinishedTasks, type ResumeState } from './run-resume.ts';
import { preflightRun } from './run-preflight.ts';
import type { RunSummary } from '../engine/run-summary-types.ts';
import { RunSummaryBuilder } from './run-summary.ts';
import { checkParts, resolveScenario, type ScenarioOverrides } from './run-support.ts';
import { TelemetryObserver } from './telemetry-observer.ts';

export type { Progress } from '../engine/run-engine.ts';

/** How steps reach the personas: the BullMQ queues and listeners (default), or the agents in this process. */
export type TransportKind = 'queue' | 'inline';
export const TRANSPORT_KINDS: readonly TransportKind[] = ['queue', 'inline'];

export interface SimulateOptions extends ScenarioOverrides {
  scenarioFile: string;
  /** A scenario already loaded (skips reading the file). */
  loaded?: LoadedScenario;
  layout?: LayoutOptions;
  /** Default `queue`; `inline` needs no Redis and no listeners (same outcome digest); or a transport of your own. */
  transport?: TransportKind | StepTransport;
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
  /** Everything else that watches the run (recorder, reports, metrics; see engine/run-observer.ts). */
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
 * Redis when steps go through the queues, opens the telemetry database, and
 * runs the engine on the chosen transport with the telemetry writer, the
 * summary and the caller's observers watching.
 */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const loaded = options.loaded ?? loadScenarioFile(options.scenarioFile);
  const scenario = resolveScenario(loaded.scenario, options);
  const tables = relativeSizeTables(scenario.history.parts);
  checkParts(
    planCycles(scenario).flatMap((c) => [...c.tasks()].slice(0, 10_000)),
    tables,
    loaded.file,
  );
  checkAgentScenario(scenario, loaded.file);

  const kind = options.transport ?? 'queue';
  // Standing listeners (compose) are found before anything is written; their Redis and queues are the run's.
  const runtime = kind === 'queue' ? createRuntime(scenario.runtime) : undefined;
  const standing = await runtime?.attach?.(options.redisUrl !== undefined ? { redisUrl: options.redisUrl } : {});
  const layout = runLayout({ ...options.layout, ...(options.resume ? { runId: options.resume } : {}) });
  // Only the queue transport starts listeners (a docker runtime needs its engine).
  await preflightRun({ dbPath: layout.dbPath, runtime: kind === 'queue' ? scenario.runtime : 'process' });
  const redis: RedisHandle | undefined = kind !== 'queue' ? undefined : standing ? { url: standing.redisUrl, private: false, close: async () => undefined } : await acquireRedis(options.redisUrl);
  const { runId } = layout;
  // A write that fails mid-run (a lock held past the retries, a read-only file) stops the run resumably.
  let running = false;
  const store = openTelemetryStore(layout.dbPath, {
    onWriteError: (err) => {
      if (running) stopRun(new AspError('DATABASE', `${err.message}; run ${runId} stopped`, { cause: err, exitCode: ExitCode.INFRASTRUCTURE, hint: (err.hint ?? '').replace('<runId>', runId) }));
    },
  });
  let resume: ResumeState | undefined;
  let lease: RunLease | undefined;
  // The run stops on the user's signal, or resumably on an infrastructure fault (fault says which).
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let fault: AspError | undefined;
  const stopRun = (err: AspError) => {
    if (fault) return;
    fault = err;
    log.error({ err }, 'stopping the run');
    stop.abort();
  };
  const leaseOptions: RunLeaseOptions = {
    onLost: (holder) =>
      stopRun(
        new AspError('RUNTIME_FAILED', `run ${runId} was taken over by ${holder} (this process did not refresh its lease in time); this process stopped without writing the run's end`, {
          exitCode: 3,
          hint: `let the other process finish the run; if it died, finish it with: npm run simulate -- --resume ${runId}`,
        }),
      ),
    onRenewFailed: (err) => log.warn({ err }, 'could not refresh the run lease (database busy?); trying again'),
  };
  try {
    store.migrate();
    resume = options.resume ? loadResumeState(store, options.resume) : undefined;
    // Before anything is written: a run still executing elsewhere is left alone (exit 2).
    if (resume) lease = RunLease.acquire(store, runId, leaseOptions);
  } catch (err) {
    store.close();
    await redis?.close();
    throw err;
  }
  mkdirSync(layout.runDir, { recursive: true });
  const logger = createLogger({ file: layout.logFile, level: options.logLevel, base: { runId } });
  const log = logger.child({ component: 'runner' });
  const started = Date.now();
  const prefix = standing?.queuePrefix ?? resume?.prefix ?? options.queuePrefix ?? `asp-${runId}`;
  const lean = options.lean ?? false;
  const transport: StepTransport =
    typeof kind === 'object'
      ? kind
      : redis
        ? new QueueTransport(redis, {
            prefix,
            removeQueues: !standing && options.queuePrefix === undefined,
            workspaceRoot: layout.workspaceRoot,
            runDir: layout.runDir,
            logger,
            ...(runtime ? { runtime } : {}),
            standing: Boolean(standing),
          })
        : new InlineTransport({ workspaceRoot: layout.workspaceRoot });
  const summary = new RunSummaryBuilder(runId, loaded, scenario, layout, lean);
  if (resume) summary.addCost(storedCostOfFinishedTasks(resume));
  const telemetry = new TelemetryObserver(store, runId, lean);
  const observers = [telemetry, summary, ...(options.observers ?? [])];
  const observe = combineObservers(observers, (err, hook) => log.warn({ err, hook }, 'run observer failed'));
  let status: SimulationResult['status'] = 'failed';
  let digest = '';
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
    running = true;
    log.info(
      { scenario: scenario.name, seed: scenario.seed, runtime: scenario.runtime, transport: transport.kind, redis: redis ? (redis.private ? 'private' : 'shared') : 'none', resumed: Boolean(resume) },
      'run started',
    );
    const state = resume;
    const ran = await runScenario({
      runId,
      scenario,
      transport,
      observers,
      log,
      lean,
      signal,
      ...(options.arrivalRate ? { arrivalRate: options.arrivalRate } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(state ? { resume: { outcomes: state.outcomes, step: (r) => state.steps.get(stepKey(r.taskId, r.step, r.round)) } } : {}),
    });
    digest = ran.digest;
    if (fault) throw fault;
    // Simulated task failures (round limit, rejection) are outcomes: the run itself completed.
    status = ran.status;
  } catch (err) {
    log.error({ err }, 'run failed');
    status = signal.aborted || isRunFault(err) ? 'interrupted' : 'failed';
    // The fault that stopped the run says what happened and how to resume (the error that surfaced may be its echo).
    summary.setError(fault ?? err);
    throw fault ?? err;
  } finally {
    await transport.close();
    const wallMs = Date.now() - started;
    const final = summary.build(status, digest, wallMs);
    await cleanup(log, [
      [
        'telemetry',
        async () => {
          // Not lost: a step not written is run again by --resume (the same result, by construction).
          const unwritten = telemetry.flush();
          if (unwritten > 0) log.warn({ unwritten }, 'results not written to the database; --resume runs those steps again');
        },
      ],
      [
        'store',
        async () => {
          try {
            // A run taken over by another process is that process's to finish.
            if (lease?.held !== false) store.finishRun(runId, status, { digest: final.digest, summary: final, wallMs });
            // When that fails, the lease stays behind and a resume takes it over (this pid is gone by then).
            lease?.release();
          } finally {
            store.close();
          }
        },
      ],
    ]);
    await observe.runEnded({ summary: final, status, digest: final.digest });
    log.info({ status, wallMs, digest: final.digest }, 'run ended');
    result = { runId, status, digest: final.digest, summary: final, layout };
  }
  return result;
}
