import { Queue, type ConnectionOptions } from 'bullmq';
import { connectionOptions } from './connection.ts';

// Read-only looks at queues (health checks, load samplers) and their cleanup.

/**
 * Job counts of one queue under a prefix, without a StepQueue (health checks).
 * Fails rather than waits when Redis does not answer within `timeoutMs`.
 */
export async function queueJobCounts(url: string, prefix: string, name: string, timeoutMs = 3000): Promise<Record<string, number>> {
  const queue = new Queue(name, {
    prefix,
    connection: { ...(connectionOptions(url) as object), connectTimeout: timeoutMs, retryStrategy: () => null } as ConnectionOptions,
    // A health check only reads: without this the Queue writes its `<prefix>:<name>:meta` hash, for good.
    skipMetasUpdate: true,
  });
  queue.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis within ${timeoutMs} ms`)), timeoutMs);
    });
    return await Promise.race([queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'), timeout]);
  } finally {
    clearTimeout(timer);
    await queue.close().catch(() => undefined);
  }
}

/** Job counts of several queues under one prefix, connections kept open between calls (load-test samplers). */
export class QueueDepthProbe {
  private readonly queues: Queue[];
  private closed = false;

  constructor(url: string, prefix: string, names: readonly string[]) {
    // A sample fails at once while Redis is away (it reconnects when Redis is back), so it never holds up the run's end.
    const connection = { ...(connectionOptions(url) as object), enableOfflineQueue: false, maxRetriesPerRequest: 0 } as ConnectionOptions;
    this.queues = names.map((name) => new Queue(name, { prefix, connection }));
    for (const q of this.queues) q.on('error', () => undefined);
  }

  /** Jobs not yet finished per queue: waiting + prioritized + delayed + active. */
  async depths(): Promise<Record<string, number>> {
    const counts = await Promise.all(this.queues.map((q) => q.getJobCounts('waiting', 'prioritized', 'delayed', 'active')));
    return Object.fromEntries(this.queues.map((q, i) => [q.name, Object.values(counts[i] ?? {}).reduce((a, b) => a + b, 0)]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // With Redis away the polite close cannot reach it and the connections would retry
    // forever: drop them too. Either may never settle then (bullmq waits for a ready connection): both are bounded.
    const settledWithin = (work: Promise<unknown>, ms: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        void work.then(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    await settledWithin(Promise.allSettled(this.queues.map((q) => q.close())), 1000);
    await settledWithin(Promise.allSettled(this.queues.map((q) => q.disconnect())), 1000);
  }
}

/** Deletes queues and every key under them (benchmark cleanup). */
export async function obliterateQueues(url: string, prefix: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const queue = new Queue(name, { prefix, connection: connectionOptions(url) });
    queue.on('error', () => undefined);
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close().catch(() => undefined);
    }
  }
}
