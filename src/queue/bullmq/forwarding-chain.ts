import { Queue, QueueEvents, Worker } from 'bullmq';
import { connectionOptions } from './connection.ts';

/**
 * The benchmark's baseline, bare BullMQ: a worker whose job only forwards its
 * data to the next queue (no validation, no agent, no result envelope).
 */
export class ForwardingWorker {
  private readonly worker: Worker;
  private readonly next: Queue | undefined;
  private closed = false;

  constructor(options: { redisUrl: string; prefix: string; queue: string; next?: string; concurrency: number }) {
    const connection = connectionOptions(options.redisUrl);
    this.next = options.next ? new Queue(options.next, { connection, prefix: options.prefix }) : undefined;
    this.next?.on('error', () => undefined);
    const next = this.next;
    this.worker = new Worker(
      options.queue,
      async (job) => {
        await next?.add('step', job.data, { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } });
        return { forwarded: Boolean(next) };
      },
      { connection, prefix: options.prefix, concurrency: options.concurrency, autorun: false, stalledInterval: 5000, maxStalledCount: 2 },
    );
    this.worker.on('error', () => undefined);
  }

  async start(): Promise<void> {
    void this.worker.run();
    await Promise.all([this.worker.waitUntilReady(), this.next?.waitUntilReady()]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.worker.close(), this.next?.close()]);
  }
}

/**
 * Feeds a forwarding chain: keeps `inFlight` tasks in it (a closed model, like
 * the engine's tasks in flight) until `tasks` jobs completed on the last queue.
 */
export async function driveForwardingChain(options: {
  redisUrl: string;
  prefix: string;
  first: string;
  last: string;
  tasks: number;
  inFlight: number;
  timeoutMs: number;
  onDone?: (done: number) => void;
}): Promise<{ startedAt: number; endedAt: number }> {
  const connection = connectionOptions(options.redisUrl);
  const first = new Queue(options.first, { connection, prefix: options.prefix });
  const events = new QueueEvents(options.last, { connection, prefix: options.prefix, lastEventId: '0-0' });
  first.on('error', () => undefined);
  events.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.all([first.waitUntilReady(), events.waitUntilReady()]);
    const startedAt = Date.now();
    let sent = 0;
    let done = 0;
    const send = () => {
      const i = sent++;
      void first.add('step', { task: i }, { jobId: `t${i}`, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } });
    };
    const finished = new Promise<number>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`bare chain: ${done}/${options.tasks} tasks after ${options.timeoutMs} ms`)), options.timeoutMs);
      events.on('completed', () => {
        done++;
        options.onDone?.(done);
        if (done >= options.tasks) resolve(Date.now());
        else if (sent < options.tasks) send();
      });
    });
    for (let k = 0; k < Math.min(options.inFlight, options.tasks); k++) send();
    return { startedAt, endedAt: await finished };
  } finally {
    clearTimeout(timer);
    await Promise.allSettled([events.close(), first.close()]);
  }
}
