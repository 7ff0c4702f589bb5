import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { aspCommandLine } from '../cli/asp-command-line.ts';
import { driveForwardingChain, ForwardingWorker, obliterateQueues } from '../queue/bullmq-driver.ts';

/**
 * The benchmark's baseline: a bare BullMQ chain jordan → alex → sarah where
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

interface Stoppable {
  stop(): Promise<void>;
}

export async function runBareChain(options: BareChainOptions): Promise<BareChainResult> {
  const prefix = `asp-bench-${randomBytes(4).toString('hex')}`;
  const mode = options.workers ?? 'process';
  const workers: Stoppable[] = [];
  try {
    for (const [i, queue] of CHAIN.entries()) {
      const next = CHAIN[i + 1];
      workers.push(mode === 'process' ? await startChildWorker(options.redisUrl, prefix, queue, next, options.workerConcurrency) : await startInlineWorker(options.redisUrl, prefix, queue, next, options.workerConcurrency));
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

async function startInlineWorker(redisUrl: string, prefix: string, queue: string, next: string | undefined, concurrency: number): Promise<Stoppable> {
  const worker = new ForwardingWorker({ redisUrl, prefix, queue, ...(next ? { next } : {}), concurrency });
  await worker.start();
  return { stop: () => worker.close() };
}

/** Starts `asp bench --bare-worker <queue>` and waits for its "ready" line. */
async function startChildWorker(redisUrl: string, prefix: string, queue: string, next: string | undefined, concurrency: number): Promise<Stoppable> {
  const [node, args] = aspCommandLine(['bench', '--bare-worker', queue, '--prefix', prefix, '--redis', redisUrl, '--listener-concurrency', String(concurrency), ...(next ? ['--next', next] : [])]);
  const child: ChildProcess = spawn(node, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bare worker ${queue} did not start within 60 s`)), 60_000);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bare worker ${queue} exited with code ${code}`));
    });
  });
  return {
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The child side: runs one forwarding worker until SIGTERM/SIGINT. */
export async function serveBareWorker(options: { redisUrl: string; prefix: string; queue: string; next?: string; concurrency: number; ready: () => void }): Promise<void> {
  const worker = new ForwardingWorker({ redisUrl: options.redisUrl, prefix: options.prefix, queue: options.queue, ...(options.next ? { next: options.next } : {}), concurrency: options.concurrency });
  await worker.start();
  options.ready();
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await worker.close();
}
