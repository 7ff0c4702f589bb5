import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { AspError, ExitCode, errorMessage, exitCodeOf, isAspError } from '../errors.ts';
import { loadScenarioFile, type LoadedScenario } from '../scenario/scenario-loader.ts';
import { ENGINE_VERSION } from '../version.ts';
import type { RunObserver } from '../engine/run-observer.ts';
import { taskDigest } from '../engine/outcome-digest.ts';
import { baselinePath, differingTasks, type Baseline, keyMetrics, metricChanges, readBaseline, writeBaseline, type MetricChange } from './regression-baseline.ts';
import type { LayoutOptions } from './run-layout.ts';
import { checkExpectations, OutcomeCollector, parseExpectations } from './scenario-expectations.ts';
import { simulate, type Progress, type TransportKind } from './simulate.ts';
import type { ThresholdResult } from '../thresholds/threshold-evaluator.ts';
import type { Threshold } from '../thresholds/threshold-parser.ts';

export const DEFAULT_REGRESSION_DIR = 'scenarios/regression';
export const DEFAULT_BASELINE_DIR = 'test/baselines';

export interface RegressionOptions {
  /** Scenario files or folders (default scenarios/regression). */
  paths?: string[];
  baselinesDir?: string;
  updateBaselines?: boolean;
  layout?: Omit<LayoutOptions, 'runId'>;
  redisUrl?: string;
  /** How steps are delivered (default the persona queues); the digests are the same on every transport. */
  transport?: TransportKind;
  signal?: AbortSignal;
  logLevel?: string;
  /** Observers for each scenario's run (the recorder, the report), made afresh per run. */
  observers?: () => RunObserver[];
  onScenario?: (event: { name: string; index: number; total: number; progress?: Progress; result?: ScenarioResult }) => void;
}

export interface ScenarioResult {
  /** The scenario file's name without extension: also the baseline's name. */
  name: string;
  title: string;
  file: string;
  runId: string | null;
  status: 'pass' | 'fail' | 'error';
  tasks: number;
  digest: { expected: string | null; actual: string | null; match: boolean | null };
  baseline: { file: string; found: boolean; updated: boolean; scenarioChanged: boolean };
  differingTasks: string[];
  metricChanges: MetricChange[];
  thresholds: ThresholdResult[];
  problems: string[];
  error?: string;
  /** With status 'error': the exit status the error stands for (3: engine or infrastructure). */
  exitCode?: number;
  ms: number;
}

export interface RegressionReport {
  status: 'pass' | 'fail';
  passed: number;
  failed: number;
  scenarios: ScenarioResult[];
  ms: number;
}

interface Entry {
  name: string;
  loaded: LoadedScenario;
  thresholds: Threshold[];
}

/** Scenario files from files and folders (a folder gives its *.yaml / *.yml, sorted). */
export function scenarioFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      // loadScenarioFile reports a missing file
    }
    if (!isDir) files.push(path);
    else
      files.push(
        ...readdirSync(path)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(path, f)),
      );
  }
  return files;
}

/** Loads every scenario and parses its `expect:` block before anything runs; any problem is exit 2. */
export function prepareSuite(paths: readonly string[]): Entry[] {
  const files = scenarioFiles(paths);
  if (files.length === 0) throw new AspError('USAGE', `no scenario files in ${paths.join(', ')}`, { exitCode: 2, hint: `put regression scenarios (*.yaml) in ${DEFAULT_REGRESSION_DIR}/` });
  const seen = new Map<string, string>();
  return files.map((file) => {
    const loaded = loadScenarioFile(file);
    const name = basename(file, extname(file));
    const other = seen.get(name);
    if (other) throw new AspError('USAGE', `${file} and ${other} would share the baseline ${name}.json`, { exitCode: 2, hint: 'give regression scenarios distinct file names' });
    seen.set(name, file);
    return { name, loaded, thresholds: parseExpectations(loaded) };
  });
}

/**
 * Runs each regression scenario (private BullMQ prefix per run, the
 * scenario's own workspace mode), compares its digests with the committed
 * baseline and checks its `expect:` thresholds. `updateBaselines` rewrites
 * the baselines from these runs instead of comparing.
 */
export async function runRegressionSuite(options: RegressionOptions = {}): Promise<RegressionReport> {
  const started = Date.now();
  const entries = prepareSuite(options.paths && options.paths.length > 0 ? options.paths : [DEFAULT_REGRESSION_DIR]);
  const baselinesDir = options.baselinesDir ?? DEFAULT_BASELINE_DIR;
  // A malformed baseline is a setup problem (exit 2): found before anything runs.
  const baselines = entries.map((e) => (options.updateBaselines ? undefined : readBaseline(baselinePath(baselinesDir, e.name))));
  const results: ScenarioResult[] = [];
  for (const [index, entry] of entries.entries()) {
    if (options.signal?.aborted) break;
    options.onScenario?.({ name: entry.name, index, total: entries.length });
    const result = await runOne(entry, baselines[index], options, (progress) => options.onScenario?.({ name: entry.name, index, total: entries.length, progress }));
    results.push(result);
    options.onScenario?.({ name: entry.name, index, total: entries.length, result });
  }
  const failed = results.filter((r) => r.status !== 'pass').length;
  const interrupted = results.length < entries.length;
  return { status: failed === 0 && !interrupted ? 'pass' : 'fail', passed: results.length - failed, failed, scenarios: results, ms: Date.now() - started };
}

async function runOne(entry: Entry, baseline: Baseline | undefined, options: RegressionOptions, onProgress: (p: Progress) => void): Promise<ScenarioResult> {
  const t0 = Date.now();
  const { loaded } = entry;
  const file = baselinePath(options.baselinesDir ?? DEFAULT_BASELINE_DIR, entry.name);
  const result: ScenarioResult = {
    name: entry.name,
    title: loaded.scenario.name,
    file: relative(process.cwd(), loaded.file) || loaded.file,
    runId: null,
    status: 'error',
    tasks: 0,
    digest: { expected: null, actual: null, match: null },
    baseline: { file, found: false, updated: false, scenarioChanged: false },
    differingTasks: [],
    metricChanges: [],
    thresholds: [],
    problems: [],
    ms: 0,
  };
  try {
    const collector = new OutcomeCollector();
    const run = await simulate({
      scenarioFile: loaded.file,
      loaded,
      ...(options.layout ? { layout: options.layout } : {}),
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      onProgress,
      observers: [...(options.observers?.() ?? []), collector],
    });
    const { outcomes } = collector;
    const tasks = Object.fromEntries(outcomes.map((o) => [o.taskId, taskDigest(o)]));
    const metrics = collector.metrics(run.summary);
    const key = keyMetrics(metrics);
    result.runId = run.runId;
    result.tasks = outcomes.length;
    result.digest.actual = run.digest;
    result.thresholds = checkExpectations(entry.thresholds, metrics);
    if (run.status === 'interrupted') result.problems.push('the run was interrupted');
    if (options.updateBaselines) {
      writeBaseline(file, {
        scenario: loaded.scenario.name,
        file: result.file,
        scenarioHash: loaded.hash,
        seed: loaded.scenario.seed,
        engineVersion: ENGINE_VERSION,
        digest: run.digest,
        tasks,
        metrics: key,
      });
      result.baseline.updated = true;
      result.baseline.found = true;
      result.digest.expected = run.digest;
      result.digest.match = true;
    } else if (!baseline) {
      result.problems.push(`no baseline ${file}; create it with \`npm run regress -- --update-baselines\``);
    } else {
      result.baseline.found = true;
      result.baseline.scenarioChanged = baseline.scenarioHash !== loaded.hash;
      result.digest.expected = baseline.digest;
      result.digest.match = baseline.digest === run.digest;
      result.differingTasks = differingTasks(baseline.tasks, tasks);
      result.metricChanges = metricChanges(baseline, key);
      if (!result.digest.match) {
        const changed = result.baseline.scenarioChanged ? ' (the scenario file changed since the baseline was written)' : '';
        result.problems.push(`outcome digest differs from the baseline${changed}`);
      }
    }
    for (const t of result.thresholds) if (!t.pass) result.problems.push(`expect ${t.expression} failed (actual ${t.actual ?? 'no data'})`);
    result.status = result.problems.length === 0 ? 'pass' : 'fail';
  } catch (err) {
    // Bad input or missing environment (no Redis, no Docker) stops the suite: exit 2, as for any command.
    if (exitCodeOf(err) === ExitCode.BAD_INPUT) throw err;
    result.status = 'error';
    result.exitCode = exitCodeOf(err);
    result.error = isAspError(err) ? err.describe() : errorMessage(err);
    result.problems.push(result.error);
  }
  result.ms = Date.now() - t0;
  return result;
}
