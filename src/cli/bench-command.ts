import { parseArgs } from 'node:util';
import { renderTable } from '../report/text-table.ts';
import { serveBareWorker } from '../runner/bare-chain.ts';
import { isWorkerPersona } from '../personas.ts';
import { serveRoundTripWorker } from '../runner/round-trip-baseline.ts';
import { BENCH_GOAL, DEFAULT_SETTINGS, runMemoryBench, runThroughputBench, type BenchSetting, type ThroughputBenchResult } from '../runner/throughput-bench.ts';
import { LOAD_DEFAULTS } from '../runner/load-test.ts';
import { usageError, type CommandIo } from './command-io.ts';

const HELP = `usage: asp bench [--tasks 2000] [--settings 64/32,256/64] [--memory] [options]

Throughput: at each setting (tasks in flight / worker concurrency), in one run
on the same Redis:
  baseline   the floor: the engine's round trip and nothing else. A runner keeps
             the tasks in flight, each task the same sequential steps on the
             jordan/alex/sarah queues as the engine's task (taken from a run of
             the same workload in this process; reworked tasks have more
             steps), each queue's worker in its own child
             process answering at once, completions read through QueueEvents
             (no validation, no machine, no database)
  engine     the engine's load test (asp load, lean, workspace none, 1 listener
             per persona) with the same tasks, in flight and worker concurrency
  chain      a second reference: a bare BullMQ chain jordan → alex → sarah whose
             jobs only forward to the next queue (3 jobs per task)
Prints tasks/s and jobs/s of each and the ratio engine/baseline in tasks/s
(goal ≥ ${BENCH_GOAL} at every setting).

Memory (--memory): lean load runs of 10,000 and 100,000 tasks, each in a
fresh process; prints the runner's peak RSS of each (goal: flat, ≤ ×1.2).

  --tasks <n>                  tasks per throughput run (default 2000)
  --settings <k/c,…>           in-flight/worker-concurrency pairs (default 64/32,256/64)
  --concurrency <n>            with --listener-concurrency: one setting instead
  --listener-concurrency <n>
  --repeat <n>                 runs per setting; the ratio is the median (default 1)
  --skip-chain                 leave out the forward chain reference
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

function settingsOf(v: { settings?: string | undefined; concurrency?: string | undefined; 'listener-concurrency'?: string | undefined }): BenchSetting[] {
  if (v.settings !== undefined) {
    return v.settings.split(',').map((pair) => {
      const [k, c, ...rest] = pair.trim().split('/');
      if (rest.length > 0 || c === undefined) throw usageError(`--settings: "${pair}" is not <in-flight>/<worker-concurrency>`, 'e.g. --settings 64/32,256/64');
      return { inFlight: int('settings', k, 0), workerConcurrency: int('settings', c, 0) };
    });
  }
  if (v.concurrency === undefined && v['listener-concurrency'] === undefined) return [...DEFAULT_SETTINGS];
  return [{ inFlight: int('concurrency', v.concurrency, LOAD_DEFAULTS.concurrency), workerConcurrency: int('listener-concurrency', v['listener-concurrency'], LOAD_DEFAULTS.listenerConcurrency) }];
}

export async function runBenchCommand(argv: string[], io: CommandIo): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      options: {
        tasks: { type: 'string' },
        settings: { type: 'string' },
        repeat: { type: 'string' },
        concurrency: { type: 'string' },
        'listener-concurrency': { type: 'string' },
        'skip-chain': { type: 'boolean', default: false },
        memory: { type: 'boolean', default: false },
        sizes: { type: 'string' },
        json: { type: 'boolean', default: false },
        redis: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        // Internal: the child side of the baseline and of the chain.
        'round-trip-worker': { type: 'string' },
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
  const worker = v['round-trip-worker'];
  if (worker !== undefined) {
    if (!v.prefix || !v.redis || !isWorkerPersona(worker)) throw usageError('--round-trip-worker <persona> needs --prefix and --redis');
    await serveRoundTripWorker({ redisUrl: v.redis, prefix: v.prefix, persona: worker, concurrency: listenerConcurrency, ready: () => io.stdout('ready\n') });
    return 0;
  }
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
        { header: 'RSS median', value: (r) => mb(r.rssMedianBytes) },
        { header: 'heap peak', value: (r) => mb(r.heapPeakBytes) },
        { header: 'wall', value: (r) => `${(r.wallMs / 1000).toFixed(1)} s` },
        { header: 'tasks/s', value: (r) => r.tasksPerS.toFixed(1) },
        { header: 'errors', value: (r) => r.errors },
      ])}\n\nRSS growth ${result.runs[0]?.tasks ?? '?'} → ${result.runs[result.runs.length - 1]?.tasks ?? '?'} tasks: peak ×${result.growth.toFixed(2)} (goal: flat, ≤ ×1.2), median ×${result.medianGrowth.toFixed(2)}\n`,
    );
    return 0;
  }
  const result = await runThroughputBench({
    tasks: int('tasks', v.tasks, 2000),
    repeat: int('repeat', v.repeat, 1),
    settings: settingsOf(v),
    chain: !v['skip-chain'],
    ...(v.redis ? { redisUrl: v.redis } : {}),
    onPhase: phase,
  });
  if (v.json) {
    io.stdout(`${JSON.stringify(result)}\n`);
    return 0;
  }
  io.stdout(renderThroughput(result));
  return 0;
}

function renderThroughput(result: ThroughputBenchResult): string {
  const rows = result.settings.flatMap((s) =>
    s.runs.flatMap((r, i) => {
      const of = `${s.inFlight}/${s.workerConcurrency}${s.runs.length > 1 ? ` #${i + 1}` : ''}`;
      return [
        { setting: of, what: 'baseline (round trip)', tasks: r.baseline.tasksPerS, jobs: r.baseline.jobsPerS, perTask: r.baseline.stepsPerTask, ms: r.baseline.ms, ratio: '' },
        { setting: '', what: 'engine (asp load)', tasks: r.engine.tasksPerS, jobs: r.engine.jobsPerS, perTask: r.engine.jobsPerTask, ms: r.engine.activeMs, ratio: `×${r.ratio.toFixed(2)}` },
        ...(r.chain ? [{ setting: '', what: 'reference: forward chain', tasks: r.chain.tasksPerS, jobs: r.chain.jobsPerS, perTask: 3, ms: r.chain.ms, ratio: '' }] : []),
      ];
    }),
  );
  const table = renderTable(rows, [
    { header: 'in flight/conc.', value: (r) => r.setting, align: 'left' },
    { header: '', value: (r) => r.what, align: 'left' },
    { header: 'tasks/s', value: (r) => r.tasks.toFixed(1) },
    { header: 'jobs/s', value: (r) => r.jobs.toFixed(1) },
    { header: 'jobs/task', value: (r) => r.perTask.toFixed(2) },
    { header: 'time', value: (r) => `${(r.ms / 1000).toFixed(1)} s` },
    { header: 'engine/baseline', value: (r) => r.ratio },
  ]);
  const verdicts = result.settings.map((s) => `${s.inFlight}/${s.workerConcurrency} ×${s.ratio.toFixed(2)} ${s.met ? 'met' : 'missed'}`).join(', ');
  return `Throughput: ${result.tasks} tasks per run\n\n${table}\n\nengine/baseline in tasks/s (goal ≥ ${result.goal.ratio} at every setting): ${verdicts}\n`;
}
