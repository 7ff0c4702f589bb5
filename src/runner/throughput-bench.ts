import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aspCommandLine } from '../cli/asp-command-line.ts';
import { acquireRedis } from '../runtime/private-redis.ts';
import { runBareChain, type BareChainResult } from './bare-chain.ts';
import { runLoadTest, type LoadReport } from './load-test.ts';

/**
 * `asp bench`: the engine's load test against a bare BullMQ chain on the same
 * Redis with the same tasks, tasks in flight and worker concurrency, and the
 * memory benchmark (peak runner RSS of lean load runs of growing size, each
 * in a fresh process). Telemetry goes to a temporary database, removed after.
 */

export interface ThroughputBenchOptions {
  tasks: number;
  concurrency: number;
  listenerConcurrency: number;
  repeat: number;
  redisUrl?: string;
  bareWorkers?: 'process' | 'inline';
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

export interface ThroughputBenchResult {
  tasks: number;
  concurrency: number;
  listenerConcurrency: number;
  runs: Array<{ engine: EngineFigures; bare: BareChainResult; ratioTasks: number; ratioJobs: number }>;
  /** Medians over the runs. */
  ratioTasks: number;
  ratioJobs: number;
  goal: { ratio: number; metJobs: boolean; metTasks: boolean };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

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
  const runs: ThroughputBenchResult['runs'] = [];
  try {
    for (let r = 0; r < options.repeat; r++) {
      options.onPhase?.(`run ${r + 1}/${options.repeat}: engine, ${options.tasks} tasks`);
      const report = await runLoadTest({
        tasks: options.tasks,
        concurrency: options.concurrency,
        listenerConcurrency: options.listenerConcurrency,
        listenersPerPersona: 1,
        workspace: 'none',
        redisUrl: redis.url,
        layout: { dbPath: join(dir, 'telemetry.db'), runsDir: join(dir, 'runs'), workspacesDir: join(dir, 'workspaces') },
      });
      const engine = engineFigures(report);
      options.onPhase?.(`run ${r + 1}/${options.repeat}: bare BullMQ chain, ${options.tasks} tasks`);
      const bare = await runBareChain({
        redisUrl: redis.url,
        tasks: options.tasks,
        inFlight: options.concurrency,
        workerConcurrency: options.listenerConcurrency,
        workers: options.bareWorkers ?? 'process',
      });
      runs.push({ engine, bare, ratioTasks: engine.tasksPerS / bare.tasksPerS, ratioJobs: engine.jobsPerS / bare.jobsPerS });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await redis.close();
  }
  const ratioTasks = median(runs.map((x) => x.ratioTasks));
  const ratioJobs = median(runs.map((x) => x.ratioJobs));
  return {
    tasks: options.tasks,
    concurrency: options.concurrency,
    listenerConcurrency: options.listenerConcurrency,
    runs,
    ratioTasks,
    ratioJobs,
    goal: { ratio: 0.6, metJobs: ratioJobs >= 0.6, metTasks: ratioTasks >= 0.6 },
  };
}

export interface MemoryBenchRun {
  tasks: number;
  rssPeakBytes: number;
  heapPeakBytes: number;
  wallMs: number;
  tasksPerS: number;
  errors: number;
}

/** Runs `asp load --tasks n --json` (lean, workspace none) in a fresh process per size; reads its peak RSS. */
export async function runMemoryBench(options: { sizes: number[]; concurrency: number; listenerConcurrency: number; redisUrl?: string; onPhase?: (text: string) => void }): Promise<{ runs: MemoryBenchRun[]; growth: number }> {
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
      runs.push({ tasks, rssPeakBytes: m.memory.rssPeakBytes, heapPeakBytes: m.memory.heapPeakBytes, wallMs: report.wallMs, tasksPerS: m.throughput.tasksPerS, errors: m.errors.count });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const first = runs[0]?.rssPeakBytes ?? 0;
  const last = runs[runs.length - 1]?.rssPeakBytes ?? 0;
  return { runs, growth: first > 0 ? last / first : 0 };
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
