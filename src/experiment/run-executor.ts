import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunResult } from './experiment-metrics.ts';
import type { RunEnvironment, RunSpec, RunVariant } from './run-variant.ts';

/**
 * Runs the specs of an experiment somewhere and reports each result as it
 * arrives (in any order: the results are put in place by variant and seed).
 * Rejects with the first run that failed (an infrastructure fault: a
 * simulated task failing is a result, not an error).
 */
export interface RunExecutor {
  run(specs: readonly RunSpec[], onResult: (result: RunResult) => void, signal: AbortSignal): Promise<void>;
}

const COMPILED = import.meta.url.endsWith('.js');

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Runs in this thread, `concurrency` at a time (queue transport: the listeners do the work). */
export class InProcessExecutor implements RunExecutor {
  constructor(
    private readonly runVariant: RunVariant,
    private readonly concurrency = 1,
  ) {}

  async run(specs: readonly RunSpec[], onResult: (result: RunResult) => void, signal: AbortSignal): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (!signal.aborted && next < specs.length) {
        const spec = specs[next++]!;
        onResult(await this.runVariant(spec, signal));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.concurrency, specs.length)) }, lane));
  }
}

type FromThread = { type: 'ready' } | { type: 'result'; result: RunResult } | { type: 'error'; message: string; stack?: string };

interface Slot {
  worker: Worker;
  busy: boolean;
  ready: Promise<void>;
  dead?: Error;
  job?: { resolve: (r: RunResult) => void; reject: (e: Error) => void };
}

/**
 * One worker thread per core, each running one spec at a time. `submit`
 * runs one spec on a free thread (waiting for one); `run` runs a list.
 */
export class ThreadPoolExecutor implements RunExecutor {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly env: RunEnvironment,
    readonly threads = defaultWorkers(),
  ) {}

  async run(specs: readonly RunSpec[], onResult: (result: RunResult) => void, signal: AbortSignal): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (!signal.aborted && next < specs.length) onResult(await this.submit(specs[next++]!, signal));
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.threads, specs.length)) }, lane));
  }

  async submit(spec: RunSpec, signal?: AbortSignal): Promise<RunResult> {
    const slot = await this.acquire();
    const onAbort = () => slot.worker.postMessage({ type: 'abort' });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<RunResult>((resolve, reject) => {
        slot.job = { resolve, reject };
        slot.worker.postMessage(spec);
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      slot.job = undefined;
      slot.busy = false;
      this.waiting.shift()?.();
    }
  }

  /** Stops the threads; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new Error('the thread pool is closed');
      const free = this.slots.find((s) => !s.busy);
      const slot = free ?? (this.slots.length < this.threads ? this.spawn() : undefined);
      if (slot) {
        slot.busy = true;
        await slot.ready;
        if (slot.dead) throw slot.dead;
        return slot;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private spawn(): Slot {
    // The compiled engine (dist/) runs its thread module as it is; the sources need tsx in the thread too.
    const worker = COMPILED
      ? new Worker(new URL('./run-thread.js', import.meta.url), { workerData: { env: this.env } })
      : new Worker(new URL('./run-thread-boot.js', import.meta.url), { workerData: { module: new URL('./run-thread.ts', import.meta.url).href, env: this.env } });
    let markReady: () => void = () => undefined;
    const slot: Slot = { worker, busy: false, ready: new Promise<void>((resolve) => (markReady = resolve)) };
    this.slots.push(slot);
    const fail = (err: Error) => {
      if (slot.dead) return;
      slot.dead = err;
      this.slots.splice(this.slots.indexOf(slot), 1);
      slot.job?.reject(err);
      markReady();
    };
    worker.on('message', (message: FromThread) => {
      if (message.type === 'ready') markReady();
      else if (message.type === 'result') slot.job?.resolve(message.result);
      else slot.job?.reject(Object.assign(new Error(message.message), { stack: message.stack }));
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`an experiment worker thread exited (code ${code})`));
    });
    return slot;
  }
}
