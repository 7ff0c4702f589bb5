import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AspError, errorMessage, isAspError } from '../errors.ts';
import { openTelemetryStore } from '../telemetry/open-store.ts';
import type { ExperimentPlan } from './experiment-loader.ts';
import type { RunResult } from './experiment-metrics.ts';
import { FORECAST_METRICS } from './experiment-metrics.ts';
import { experimentResults, type ExperimentResults } from './experiment-results.ts';
import type { RunExecutor } from './run-executor.ts';
import type { RunSpec } from './run-variant.ts';

/**
 * Runs an experiment: every variant × seed as an ordinary run on the
 * executor, each result stored as it arrives (the telemetry database is
 * written by this process only), then the statistics, results.json and
 * report.html under runs/experiments/<id>/.
 */
export interface ExperimentRunOptions {
  executor: RunExecutor;
  /** How the runs were delivered and by how many workers (recorded, never part of the results). */
  transport: string;
  workers: number;
  dbPath: string;
  /** Folder of experiment reports (default runs/experiments). */
  outDir?: string;
  experimentId?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Writes report.html (kept outside so this module stays free of the HTML). */
  renderReport?: (results: ExperimentResults, plan: ExperimentPlan) => string;
}

export interface ExperimentOutcome {
  experimentId: string;
  status: 'completed' | 'interrupted';
  results: ExperimentResults;
  dir: string;
  files: { results: string; report: string | null };
  wallMs: number;
}

export function newExperimentId(now = new Date()): string {
  return `exp-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}

/** The runs of a plan, seed by seed (every variant of a seed before the next seed). */
export function runSpecs(plan: ExperimentPlan): RunSpec[] {
  const metrics = [...new Set([...plan.metrics.map((m) => m.ref), ...FORECAST_METRICS])];
  return plan.seeds.flatMap((seed, seedIndex) => plan.variants.map((v) => ({ variant: v.index, seedIndex, seed, scenario: v.scenario, metrics })));
}

export async function runExperiment(plan: ExperimentPlan, options: ExperimentRunOptions): Promise<ExperimentOutcome> {
  const started = Date.now();
  const experimentId = options.experimentId ?? newExperimentId();
  const dir = resolve(options.outDir ?? join('runs', 'experiments'), experimentId);
  const signal = options.signal ?? new AbortController().signal;
  const specs = runSpecs(plan);
  const store = openTelemetryStore(options.dbPath);
  const runs: RunResult[] = [];
  let status: 'completed' | 'interrupted' | 'failed' = 'failed';
  let results: ExperimentResults | undefined;
  try {
    store.migrate();
    store.createExperiment({
      experimentId,
      name: plan.name,
      file: plan.file,
      hash: plan.hash,
      baseScenario: plan.base.name,
      kind: plan.isForecast ? 'forecast' : 'sweep',
      variants: plan.variants.length,
      seeds: plan.seeds.length,
      transport: options.transport,
      workers: options.workers,
      startedAt: new Date(started).toISOString(),
      reportDir: dir,
    });
    options.onProgress?.(0, specs.length);
    try {
      await options.executor.run(
        specs,
        (r) => {
          runs.push(r);
          store.recordExperimentRun({
            experimentId,
            variant: r.variant,
            variantLabel: plan.variants[r.variant]?.label ?? String(r.variant),
            seedIndex: r.seedIndex,
            seed: String(r.seed),
            digest: r.digest,
            values: r.values,
            completion: r.completion,
          });
          options.onProgress?.(runs.length, specs.length);
        },
        signal,
      );
    } catch (err) {
      // A run cut short by the user's interrupt is not a failure: the runs that finished are reported.
      if (!signal.aborted) throw err;
    }
    status = runs.length === specs.length ? 'completed' : 'interrupted';
    results = experimentResults(plan, runs);
    return write(plan, options, { experimentId, status, results, dir, wallMs: Date.now() - started });
  } catch (err) {
    status = 'failed';
    if (isAspError(err)) throw err;
    throw new AspError('RUNTIME_FAILED', `experiment ${experimentId} stopped after ${runs.length} of ${specs.length} runs: ${errorMessage(err)}`, {
      cause: err,
      hint: 'the runs are independent and deterministic: fix the cause and run the experiment again',
    });
  } finally {
    try {
      store.finishExperiment(experimentId, status === 'failed' ? 'failed' : status, { wallMs: Date.now() - started, ...(results ? { digest: results.digest, results } : {}) });
    } finally {
      store.close();
    }
  }
}

function write(plan: ExperimentPlan, options: ExperimentRunOptions, o: Omit<ExperimentOutcome, 'files'>): ExperimentOutcome {
  mkdirSync(o.dir, { recursive: true });
  const resultsFile = join(o.dir, 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(o.results, null, 2)}\n`);
  let report: string | null = null;
  if (options.renderReport) {
    report = join(o.dir, 'report.html');
    writeFileSync(report, options.renderReport(o.results, plan));
  }
  return { ...o, files: { results: resultsFile, report } };
}
