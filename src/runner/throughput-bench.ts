import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aspCommandLine } from '../cli/asp-command-line.ts';
import { acquireRedis } from '../runtime/private-redis.ts';
import { runBareChain, type BareChainResult } from './bare-chain.ts';
import { runRoundTripBaseline, type RoundTripResult } from './round-trip-baseline.ts';
import { runLoadTest, type LoadReport } from './load-test.ts';
import { workloadSteps } from './bench-workload.ts';
import { percentileOf } from '../thresholds/percentile.ts';

/**
 * `asp bench`: at each setting (tasks in flight / worker concurrency), in one
 * run on the same Redis, the round-trip baseline (round-trip-baseline.ts: the
 * engine's pattern with nothing else, the floor; each task the same steps as
 * the engine's, see bench-workload.ts), the engine's load test
 * (asp load, lean, workspace none, 1 listener per persona) and, as a second
 * reference, the bare forward chain; and the memory benchmark (peak runner RSS
 * of lean load runs of growing size, each in a fresh process). Telemetry goes
 * to a temporary database, removed after.
 */
export const BENCH_GOAL = 0.8;

export interface BenchSetting {
  inFlight: number;
  workerConcurrency: number;
}

export const DEFAULT_SETTINGS: readonly BenchSetting[] = [
  { inFlight: 64, workerConcurrency: 32 },
  { inFlight: 256, workerConcurrency: 64 },
];

export interface ThroughputBenchOptions {
  tasks: number;
  settings: readonly BenchSetting[];
  repeat: number;
  redisUrl?: string;
  /** Also run the forward chain (the second reference) [true]. */
  chain?: boolean;
  onPhase?: (text: string) => void;
}

export interface EngineFigures {
  tasksPerS: number;
  jobsPerS: number;
  jobsPerTask: number;
  activeMs: number;
  errors: number;
  e2eP95: number;
}

export interface SettingRun {
  engine: EngineFigures;
  baseline: RoundTripResult;
  chain?: BareChainResult;
  /** engine / baseline, tasks per second. */
  ratio: number;
}

export interface SettingResult extends BenchSetting {
  runs: SettingRun[];
  /** Median over the runs. */
  ratio: number;
  met: boolean;
}

export interface ThroughputBenchResult {
  tasks: number;
  settings: SettingResult[];
  goal: { ratio: number; met: boolean };
}

const median = (xs: number[]) => percentileOf(xs, 50) ?? 0;

export function engineFigures(report: LoadReport): EngineFigures {
  const m = report.metrics;
  return {
    tasksPerS: m.throughput.tasksPerS,
    jobsPerS: m.throughput.jobsPerS,
    jobsPerTask: m.tasks.finished > 0 ? m.jobs.total / m.tasks.finished : 0,
    activeMs: m.activeMs,
    errors: m.errors.count,
    e2eP95: m.latency.e2e.p95,
  };
}

export async function runThroughputBench(options: ThroughputBenchOptions): Promise<ThroughputBenchResult> {
  const redis = await acquireRedis(options.redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'asp-bench-'));
  const settings: SettingResult[] = [];
  try {
    for (const setting of options.settings) {
      const runs: SettingRun[] = [];
      const label = `${setting.inFlight}/${setting.workerConcurrency}`;
      const workload = { tasks: options.tasks, concurrency: setting.inFlight, listenerConcurrency: setting.workerConcurrency, listenersPerPersona: 1, workspace: 'none' as const };
      // The baseline's tasks take the engine's tasks' steps (reworked tasks have more).
      const sequences = await workloadSteps(workload);
      for (let r = 0; r < options.repeat; r++) {
        const of = `${label} run ${r + 1}/${options.repeat}`;
        options.onPhase?.(`${of}: round-trip baseline, ${options.tasks} tasks`);
        const baseline = await runRoundTripBaseline({ redisUrl: redis.url, tasks: options.tasks, inFlight: setting.inFlight, workerConcurrency: setting.workerConcurrency, sequences });
        options.onPhase?.(`${of}: engine, ${options.tasks} tasks`);
        const report = await runLoadTest({
          ...workload,
          redisUrl: redis.url,
          layout: { dbPath: join(dir, 'telemetry.db'), runsDir: join(dir, 'runs'), workspacesDir: join(dir, 'workspaces') },
        });
        const engine = engineFigures(report);
        let chain: BareChainResult | undefined;
        if (options.chain ?? true) {
          options.onPhase?.(`${of}: forward chain (reference), ${options.tasks} tasks`);
          chain = await runBareChain({ redisUrl: redis.url, tasks: options.tasks, inFlight: setting.inFlight, workerConcurrency: setting.workerConcurrency, workers: 'process' });
        }
        runs.push({ engine, baseline, ...(chain ? { chain } : {}), ratio: engine.tasksPerS / baseline.tasksPerS });
      }
      const ratio = median(runs.map((x) => x.ratio));
      settings.push({ ...setting, runs, ratio, met: ratio >= BENCH_GOAL });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await redis.close();
  }
  return { tasks: options.tasks, settings, goal: { ratio: BENCH_GOAL, met: settings.every((s) => s.met) } };
}

export interface MemoryBenchRun {
  tasks: number;
  rssPeakBytes: number;
  /**
   * The median of the run's RSS samples: its steady state. The peak is one
   * sample and moves with when V8 happens to run a full GC (a longer run has
   * more chances to catch a late one); the median does not.
   */
  rssMedianBytes: number;
  heapPeakBytes: number;
  wallMs: number;
  tasksPerS: number;
  errors: number;
}

/** Runs `asp load --tasks n --json` (lean, workspace none) in a fresh process per size; reads its peak RSS. */
export async function runMemoryBench(options: {
  sizes: number[];
  concurrency: number;
  listenerConcurrency: number;
  redisUrl?: string;
  onPhase?: (text: string) => void;
}): Promise<{ runs: MemoryBenchRun[]; growth: number; medianGrowth: number }> {
  const runs: MemoryBenchRun[] = [];
  for (const tasks of options.sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'asp-bench-mem-'));
    try {
      options.onPhase?.(`memory: ${tasks} tasks`);
      const args = ['load', '--tasks', String(tasks), '--json', '--concurrency', String(options.concurrency), '--listener-concurrency', String(options.listenerConcurrency), '--workspace', 'none'];
      args.push('--db', join(dir, 'telemetry.db'), '--runs-dir', join(dir, 'runs'), '--workspaces', join(dir, 'workspaces'), '--threshold', 'tasks.finished>0');
      if (options.redisUrl) args.push('--redis', options.redisUrl);
      const stdout = await runChild(args);
      const lines = stdout.trim().split('\n');
      const report = JSON.parse(lines[lines.length - 1] ?? '{}') as LoadReport;
      const m = report.metrics;
      const rssMedianMB = percentileOf(
        m.memory.series.map((p) => p.values.rssMB ?? 0),
        50,
      );
      runs.push({
        tasks,
        rssPeakBytes: m.memory.rssPeakBytes,
        rssMedianBytes: (rssMedianMB ?? 0) * 1024 * 1024,
        heapPeakBytes: m.memory.heapPeakBytes,
        wallMs: report.wallMs,
        tasksPerS: m.throughput.tasksPerS,
        errors: m.errors.count,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ratio = (of: (r: MemoryBenchRun) => number) => {
    const first = runs[0] ? of(runs[0]) : 0;
    const last = runs.at(-1);
    return first > 0 && last ? of(last) / first : 0;
  };
  return { runs, growth: ratio((r) => r.rssPeakBytes), medianGrowth: ratio((r) => r.rssMedianBytes) };
}

function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const [node, argv] = aspCommandLine(args);
    const child = spawn(node, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 || code === 1 ? resolve(out) : reject(new Error(`asp ${args.join(' ')} exited with code ${code}`))));
  });
}
