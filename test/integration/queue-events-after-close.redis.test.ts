import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StepQueue, WorkQueue, type JobEvents } from '../../src/queue/bullmq-driver.ts';
import { REDIS_URL } from '../support/temp-run.ts';

/** Both producers of the driver hear their jobs' outcomes through QueueEvents. */
const producers: Record<string, (handlers: JobEvents) => StepQueue | WorkQueue> = {
  StepQueue: (handlers) => new StepQueue({ redisUrl: REDIS_URL, prefix: `asp-test-${randomUUID()}`, persona: 'alex' }, handlers),
  WorkQueue: (handlers) => new WorkQueue({ redisUrl: REDIS_URL, prefix: `asp-test-${randomUUID()}`, name: 'runs' }, handlers),
};

describe.each(Object.keys(producers))('%s after close (real Redis)', (name) => {
  it('a `failed` event that arrives after close is dropped, not an unhandled rejection that kills the runner', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const failed: string[] = [];
    try {
      const queue = producers[name]!({ onCompleted: () => undefined, onFailed: (id) => failed.push(id) });
      await queue.ready();
      // The event stream of the real QueueEvents delivers late: a job's failure read after the queue closed.
      const events = (queue as unknown as { events: EventEmitter }).events;
      await queue.close();
      events.emit('failed', { jobId: 'late-1', failedReason: 'boom' }, '1-0');
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled.map(String)).toEqual([]);
    expect(failed).toEqual([]);
  });
});
