import { randomBytes } from 'node:crypto';
import { startBenchChild, untilStopped, type BenchChild } from './bench-child.ts';
import { driveForwardingChain, ForwardingWorker, obliterateQueues } from '../queue/bullmq-driver.ts';

/**
 * The benchmark's second reference (the floor is the round-trip baseline,
 * round-trip-baseline.ts): a bare BullMQ chain jordan → alex → sarah where
 * each job only forwards its data to the next queue. To be fair to the engine
 * (whose listeners are child processes), each queue's worker runs in its own
 * child process by default, and this process only feeds the first queue and
 * counts completions on the last one, keeping `inFlight` tasks in the chain
 * as the engine keeps tasks in flight.
 */
export const CHAIN = ['jordan', 'alex', 'sarah'] as const;

export interface BareChainOptions {
  redisUrl: string;
  tasks: number;
  inFlight: number;
  workerConcurrency: number;
  /** 'process': one child process per worker (default, like the engine's listeners); 'inline': workers in this process. */
  workers?: 'process' | 'inline';
  timeoutMs?: number;
}

export interface BareChainResult {
  tasks: number;
  jobs: number;
  ms: number;
  tasksPerS: number;
  jobsPerS: number;
  workers: 'process' | 'inline';
}

export async function runBareChain(options: BareChainOptions): Promise<BareChainResult> {
  const prefix = `asp-bench-${randomBytes(4).toString('hex')}`;
  const mode = options.workers ?? 'process';
  const workers: BenchChild[] = [];
  try {
    for (const [i, queue] of CHAIN.entries()) {
      const next = CHAIN[i + 1];
      workers.push(
        mode === 'process'
          ? await startChildWorker(options.redisUrl, prefix, queue, next, options.workerConcurrency)
          : await startInlineWorker(options.redisUrl, prefix, queue, next, options.workerConcurrency),
      );
    }
    const { startedAt, endedAt } = await driveForwardingChain({
      redisUrl: options.redisUrl,
      prefix,
      first: CHAIN[0],
      last: CHAIN[CHAIN.length - 1]!,
      tasks: options.tasks,
      inFlight: options.inFlight,
      timeoutMs: options.timeoutMs ?? 600_000,
    });
    const ms = Math.max(1, endedAt - startedAt);
    const jobs = options.tasks * CHAIN.length;
    return { tasks: options.tasks, jobs, ms, tasksPerS: (options.tasks * 1000) / ms, jobsPerS: (jobs * 1000) / ms, workers: mode };
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await obliterateQueues(options.redisUrl, prefix, CHAIN).catch(() => undefined);
  }
}

async function startInlineWorker(redisUrl: string, prefix: string, queue: string, next: string | undefined, concurrency: number): Promise<BenchChild> {
  const worker = new ForwardingWorker({ redisUrl, prefix, queue, ...(next ? { next } : {}), concurrency });
  await worker.start();
  return { stop: () => worker.close() };
}

/** Starts `asp bench --bare-worker <queue>` and waits for its "ready" line. */
function startChildWorker(redisUrl: string, prefix: string, queue: string, next: string | undefined, concurrency: number): Promise<BenchChild> {
  return startBenchChild(
    ['bench', '--bare-worker', queue, '--prefix', prefix, '--redis', redisUrl, '--listener-concurrency', String(concurrency), ...(next ? ['--next', next] : [])],
    `bare worker ${queue}`,
  );
}

/** The child side: runs one forwarding worker until SIGTERM/SIGINT. */
export async function serveBareWorker(options: { redisUrl: string; prefix: string; queue: string; next?: string; concurrency: number; ready: () => void }): Promise<void> {
  const worker = new ForwardingWorker({ redisUrl: options.redisUrl, prefix: options.prefix, queue: options.queue, ...(options.next ? { next: options.next } : {}), concurrency: options.concurrency });
  await worker.start();
  options.ready();
  await untilStopped();
  await worker.close();
}
