import { parseArgs } from 'node:util';
import { renderTable } from '../report/text-table.ts';
import { serveBareWorker } from '../runner/bare-chain.ts';
import { runMemoryBench, runThroughputBench } from '../runner/throughput-bench.ts';
import { LOAD_DEFAULTS } from '../runner/load-test.ts';
import type { CommandIo } from './main.ts';
import { usageError } from './main.ts';

const HELP = `usage: asp bench [--tasks 2000] [--memory] [options]

Throughput: in one run on the same Redis, the engine's load test (asp load,
lean, workspace none, 1 listener per persona) against a bare BullMQ chain
jordan → alex → sarah whose jobs only forward to the next queue (one worker
per queue, each in its own child process like the engine's listeners), with
the same tasks, tasks in flight and worker concurrency. Prints tasks/s and
jobs/s of both and the ratios engine/bare (goal ≥ 0.6).

Memory (--memory): lean load runs of 10,000 and 100,000 tasks, each in a
fresh process; prints the runner's peak RSS of each (goal: flat).

  --tasks <n>                  tasks per throughput run (default 2000)
  --repeat <n>                 throughput runs; ratios are the median (default 1)
  --concurrency <n>            tasks in flight (default ${LOAD_DEFAULTS.concurrency})
  --listener-concurrency <n>   jobs per listener / bare worker at once (default ${LOAD_DEFAULTS.listenerConcurrency})
  --bare-workers <mode>        process (default) or inline (workers in the bench process)
  --memory                     the memory benchmark instead
  --sizes <a,b>                task counts of the memory runs (default 10000,100000)
  --json                       one JSON object on the last stdout line
  --redis <url>                Redis URL (default REDIS_URL or redis://127.0.0.1:6379)
`;

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a whole number ≥ 1, got "${value}"`, 'see `asp bench --help`');
  return n;
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

export async function runBenchCommand(argv: string[], io: CommandIo): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      options: {
        tasks: { type: 'string' },
        repeat: { type: 'string' },
        concurrency: { type: 'string' },
        'listener-concurrency': { type: 'string' },
        'bare-workers': { type: 'string' },
        memory: { type: 'boolean', default: false },
        sizes: { type: 'string' },
        json: { type: 'boolean', default: false },
        redis: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        // Internal: the child side of the bare chain.
        'bare-worker': { type: 'string' },
        next: { type: 'string' },
        prefix: { type: 'string' },
      },
    }).values;
  } catch (err) {
    throw usageError((err as Error).message, 'see `asp bench --help`');
  }
  if (v.help) {
    io.stdout(HELP);
    return 0;
  }
  const concurrency = int('concurrency', v.concurrency, LOAD_DEFAULTS.concurrency);
  const listenerConcurrency = int('listener-concurrency', v['listener-concurrency'], LOAD_DEFAULTS.listenerConcurrency);
  if (v['bare-worker']) {
    if (!v.prefix || !v.redis) throw usageError('--bare-worker needs --prefix and --redis');
    await serveBareWorker({ redisUrl: v.redis, prefix: v.prefix, queue: v['bare-worker'], ...(v.next ? { next: v.next } : {}), concurrency: listenerConcurrency, ready: () => io.stdout('ready\n') });
    return 0;
  }
  const phase = (text: string) => io.stderr(`bench: ${text}\n`);
  if (v.memory) {
    const sizes = (v.sizes ?? '10000,100000').split(',').map((s) => int('sizes', s.trim(), 0));
    const result = await runMemoryBench({ sizes, concurrency, listenerConcurrency, ...(v.redis ? { redisUrl: v.redis } : {}), onPhase: phase });
    if (v.json) {
      io.stdout(`${JSON.stringify(result)}\n`);
      return 0;
    }
    io.stdout(
      `${renderTable(result.runs, [
        { header: 'tasks', value: (r) => r.tasks },
        { header: 'runner RSS peak', value: (r) => mb(r.rssPeakBytes) },
        { header: 'heap peak', value: (r) => mb(r.heapPeakBytes) },
        { header: 'wall', value: (r) => `${(r.wallMs / 1000).toFixed(1)} s` },
        { header: 'tasks/s', value: (r) => r.tasksPerS.toFixed(1) },
        { header: 'errors', value: (r) => r.errors },
      ])}\n\nRSS growth ${result.runs[0]?.tasks ?? '?'} → ${result.runs[result.runs.length - 1]?.tasks ?? '?'} tasks: ×${result.growth.toFixed(2)} (goal: flat, ≤ ×1.25)\n`,
    );
    return 0;
  }
  const bareWorkers = v['bare-workers'] ?? 'process';
  if (bareWorkers !== 'process' && bareWorkers !== 'inline') throw usageError(`--bare-workers must be process or inline, got "${bareWorkers}"`);
  const result = await runThroughputBench({
    tasks: int('tasks', v.tasks, 2000),
    repeat: int('repeat', v.repeat, 1),
    concurrency,
    listenerConcurrency,
    bareWorkers,
    ...(v.redis ? { redisUrl: v.redis } : {}),
    onPhase: phase,
  });
  if (v.json) {
    io.stdout(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const rows = result.runs.flatMap((r, i) => [
    { what: `engine (asp load)${result.runs.length > 1 ? ` #${i + 1}` : ''}`, tasks: r.engine.tasksPerS, jobs: r.engine.jobsPerS, perTask: r.engine.jobsPerTask, ms: r.engine.activeMs },
    { what: `bare BullMQ chain (${r.bare.workers === 'process' ? 'child processes' : 'in-process'})`, tasks: r.bare.tasksPerS, jobs: r.bare.jobsPerS, perTask: 3, ms: r.bare.ms },
  ]);
  io.stdout(
    `Throughput: ${result.tasks} tasks, ${result.concurrency} in flight, worker concurrency ${result.listenerConcurrency}\n\n` +
      `${renderTable(rows, [
        { header: '', value: (r) => r.what, align: 'left' },
        { header: 'tasks/s', value: (r) => r.tasks.toFixed(1) },
        { header: 'jobs/s', value: (r) => r.jobs.toFixed(1) },
        { header: 'jobs/task', value: (r) => r.perTask.toFixed(2) },
        { header: 'time', value: (r) => `${(r.ms / 1000).toFixed(1)} s` },
      ])}\n\n` +
      `ratio engine/bare: ${result.ratioTasks.toFixed(2)} in tasks/s, ${result.ratioJobs.toFixed(2)} in jobs/s` +
      ` (goal ≥ ${result.goal.ratio}: jobs/s ${result.goal.metJobs ? 'met' : 'missed'}, tasks/s ${result.goal.metTasks ? 'met' : 'missed'})\n`,
  );
  return 0;
}
