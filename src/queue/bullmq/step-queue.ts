import { Job, Queue, QueueEvents } from 'bullmq';
import type { PersonaName } from '../../personas.ts';
import { connectionOptions } from './connection.ts';
import { listenForOutcomes, type JobEvents } from './job-events.ts';

export interface StepQueueOptions {
  redisUrl: string;
  prefix: string;
  persona: PersonaName;
}

export interface AddOptions {
  jobId: string;
  /** The job's name: 'step' (one step) or 'batch' (several, step-batch.ts) ['step']. */
  name?: string;
  attempts: number;
  backoffMs: number;
}

/** The producer side of one persona queue, with its event stream. */
export class StepQueue {
  readonly persona: PersonaName;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private closed = false;

  constructor(options: StepQueueOptions, handlers: JobEvents) {
    this.persona = options.persona;
    const connection = connectionOptions(options.redisUrl);
    this.queue = new Queue(options.persona, { connection, prefix: options.prefix });
    this.events = new QueueEvents(options.persona, { connection, prefix: options.prefix, lastEventId: '0-0' });
    listenForOutcomes(this.queue, this.events, handlers);
  }

  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  async add(data: unknown, options: AddOptions): Promise<void> {
    await this.queue.add(options.name ?? 'step', data, {
      jobId: options.jobId,
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    });
  }

  /** Puts raw data on the queue without any checks (tests of the listener's validation use it). */
  async addRaw(name: string, data: unknown, jobId?: string): Promise<void> {
    await this.queue.add(name, data, { ...(jobId ? { jobId } : {}), attempts: 1, removeOnComplete: true });
  }

  async state(jobId: string): Promise<string> {
    return this.queue.getJobState(jobId);
  }

  /** The stored outcome of a finished job, when it is still in Redis. */
  async outcome(jobId: string): Promise<{ state: string; returnValue?: unknown; failedReason?: string } | null> {
    // State first: a job read before its state would miss a result written in between.
    const state = await this.queue.getJobState(jobId);
    if (state === 'unknown') return null;
    const job = await Job.fromId(this.queue, jobId);
    if (!job) return null;
    return { state, returnValue: job.returnvalue, failedReason: job.failedReason };
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  }

  /** Deletes the queue and every key under it. */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }

  /** `force`: drop the connections at once, with whatever commands still wait (Redis gone). */
  async close(force = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (force) {
      await Promise.allSettled([this.events.disconnect(), this.queue.disconnect()]);
      return;
    }
    const results = await Promise.allSettled([this.events.close(), this.queue.close()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}
