import { WORKER_PERSONAS } from '../personas.ts';
import type { RuntimeKind } from '../runtime/agent-runtime.ts';
import { acquireRedis } from '../runtime/private-redis.ts';
import type { LoadedScenario } from '../scenario/scenario-loader.ts';
import { openTelemetryStore } from '../telemetry/open-store.ts';
import { LoadMetrics, type LoadMetricsReport } from './load-metrics.ts';
import { loadObserver } from './load-observer.ts';
import { ResourceSampler } from './load-sampler.ts';
import { buildLoadScenario } from './load-scenario.ts';
import { newRunId, type LayoutOptions } from './run-layout.ts';
import type { RunObserver } from '../engine/run-observer.ts';
import { simulate, type Progress, type SimulateOptions, type SimulationResult } from './simulate.ts';

/** `asp load` options: the public, all-optional form (defaults in LOAD_DEFAULTS). */
export interface LoadTestOptions {
  tasks: number;
  /** Tasks in flight (closed model). With `arrivalRate`, the cap on tasks in flight. */
  concurrency?: number;
  /** Open model: tasks started per second. */
  arrivalRate?: number;
  listenersPerPersona?: number;
  listenerConcurrency?: number;
  runtime?: RuntimeKind;
  workspace?: 'git' | 'none';
  seed?: string | number;
  cycles?: number;
  sizeMedian?: number;
  sizeSigma?: number;
  template?: LoadedScenario;
  layout?: LayoutOptions;
  redisUrl?: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Sampling period of queue depth and memory. */
  sampleMs?: number;
  /** Flat memory (no per-task outcome kept); default true. */
  lean?: boolean;
  /** More observers (e.g. the recorder); the load test adds its own. */
  observers?: RunObserver[];
  now?: () => number;
  logLevel?: string;
}

export const LOAD_DEFAULTS = {
  /**
   * 64 tasks in flight, 32 jobs per listener: at the start of the engine's
   * throughput plateau (asp bench and sweeps from 16/8 to 512/256 on 2 cores:
   * 32/16 costs ~1.5x the CPU per task of 256/64; from 64 on the figures are
   * within the noise), at a third of 256's latency.
   */
  concurrency: 64,
  /** Cap on tasks in flight in the open model when --concurrency is not given. */
  arrivalCap: 2000,
  listenersPerPersona: 1,
  listenerConcurrency: 32,
  workspace: 'none',
  cycles: 1,
  sampleMs: 250,
} as const;

const TABLES = ['tasks', 'step_results', 'time_log', 'defect_log', 'size_log', 'estimates', 'cycles'] as const;

export interface LoadReport {
  runId: string;
  status: SimulationResult['status'];
  startedAt: string;
  digest: string;
  config: {
    tasks: number;
    model: 'closed' | 'open';
    concurrency: number;
    arrivalRate: number | null;
    listenersPerPersona: number;
    listenerConcurrency: number;
    runtime: RuntimeKind;
    workspace: 'git' | 'none';
    seed: string;
    cycles: number;
    scenario: string;
    lean: boolean;
    node: string;
  };
  /** The whole run: listener start-up, tasks and teardown. */
  wallMs: number;
  metrics: LoadMetricsReport;
  database: { path: string; rows: Record<string, number>; total: number | null };
  paths: { runDir: string; log: string };
}

/**
 * Runs a load test: a generated scenario through simulate() on real Redis and
 * listeners, with an observer collecting latency and throughput, and a
 * sampler collecting queue depth and memory every `sampleMs`.
 */
/** The scenario a load test runs, and its settings: the same for `asp load` and the bench's baseline workload. */
export function loadTestScenario(options: LoadTestOptions) {
  const open = options.arrivalRate !== undefined;
  const concurrency = options.concurrency ?? (open ? LOAD_DEFAULTS.arrivalCap : LOAD_DEFAULTS.concurrency);
  const cfg = {
    tasks: options.tasks,
    concurrency,
    listenersPerPersona: options.listenersPerPersona ?? LOAD_DEFAULTS.listenersPerPersona,
    listenerConcurrency: options.listenerConcurrency ?? LOAD_DEFAULTS.listenerConcurrency,
    workspace: options.workspace ?? LOAD_DEFAULTS.workspace,
    cycles: options.cycles ?? LOAD_DEFAULTS.cycles,
  };
  const loaded = buildLoadScenario({
    ...cfg,
    ...(options.sizeMedian !== undefined ? { sizeMedian: options.sizeMedian } : {}),
    ...(options.sizeSigma !== undefined ? { sizeSigma: options.sizeSigma } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.template ? { template: options.template } : {}),
  });
  return { open, concurrency, cfg, loaded };
}

export async function runLoadTest(options: LoadTestOptions): Promise<LoadReport> {
  const now = options.now ?? Date.now;
  const { open, concurrency, cfg, loaded } = loadTestScenario(options);
  const lean = options.lean ?? true;
  const runId = options.layout?.runId ?? newRunId();
  const prefix = `asp-${runId}`;
  const redis = await acquireRedis(options.redisUrl);
  const started = now();
  const metrics = new LoadMetrics(started, WORKER_PERSONAS);
  const sampler = new ResourceSampler({
    redisUrl: redis.url,
    prefix,
    queues: WORKER_PERSONAS,
    intervalMs: options.sampleMs ?? LOAD_DEFAULTS.sampleMs,
    now,
    onSample: (at, s) => metrics.sample(at, s),
  });
  let result: SimulationResult;
  try {
    await sampler.sampleOnce();
    sampler.start();
    const simulateOptions: SimulateOptions = {
      scenarioFile: loaded.file,
      loaded,
      layout: { ...options.layout, runId },
      redisUrl: redis.url,
      ...(options.runtime ? { runtime: options.runtime } : {}),
      taskConcurrency: concurrency,
      ...(options.arrivalRate !== undefined ? { arrivalRate: options.arrivalRate } : {}),
      lean,
      observers: [...(options.observers ?? []), loadObserver(metrics, now)],
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    };
    result = await simulate(simulateOptions);
  } finally {
    await sampler.sampleOnce().catch(() => undefined);
    await sampler.close();
    await redis.close();
  }
  const wallMs = now() - started;
  const database = countRows(result.layout.dbPath, runId);
  const scenario = loaded.scenario;
  return {
    runId,
    status: result.status,
    startedAt: new Date(started).toISOString(),
    digest: result.digest,
    config: {
      ...cfg,
      model: open ? 'open' : 'closed',
      arrivalRate: options.arrivalRate ?? null,
      runtime: options.runtime ?? scenario.runtime,
      seed: String(scenario.seed),
      scenario: scenario.name,
      lean,
      node: process.version,
    },
    wallMs,
    metrics: metrics.report(),
    database,
    paths: { runDir: result.layout.runDir, log: result.layout.logFile },
  };
}

function countRows(dbPath: string, runId: string): LoadReport['database'] {
  const rows: Record<string, number> = {};
  try {
    const store = openTelemetryStore(dbPath, { readonly: true });
    try {
      for (const t of TABLES) rows[t] = store.countRows(t, runId);
    } finally {
      store.close();
    }
  } catch {
    return { path: dbPath, rows, total: null };
  }
  // + the run's own row in `runs`.
  return { path: dbPath, rows, total: Object.values(rows).reduce((a, b) => a + b, 1) };
}
