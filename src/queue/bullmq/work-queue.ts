import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { connectionOptions } from './connection.ts';
import { listenForOutcomes, type JobEvents } from './job-events.ts';

/**
 * A plain work queue (experiment runs): the producer adds jobs and hears each
 * one's final result; any number of WorkConsumers on any host take them.
 * Results travel as the jobs' return values.
 */
export class WorkQueue {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private closed = false;

  constructor(options: { redisUrl: string; prefix: string; name: string }, handlers: JobEvents) {
    const connection = connectionOptions(options.redisUrl);
    this.queue = new Queue(options.name, { connection, prefix: options.prefix });
    this.events = new QueueEvents(options.name, { connection, prefix: options.prefix });
    listenForOutcomes(this.queue, this.events, handlers);
  }

  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  /** Adds jobs; a job id already in the queue is not added twice. */
  async addAll(jobs: ReadonlyArray<{ jobId: string; data: unknown }>, attempts: number): Promise<void> {
    await this.queue.addBulk(
      jobs.map((j) => ({
        name: 'run',
        data: j.data,
        opts: { jobId: j.jobId, attempts, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } },
      })),
    );
  }

  /** The return value of a job that already completed (its event may have passed before we listened). */
  async completedValue(jobId: string): Promise<unknown> {
    const job = await Job.fromId(this.queue, jobId);
    if (!job || !(await job.isCompleted())) return undefined;
    return job.returnvalue;
  }

  /** Removes the jobs not yet taken (an interrupted experiment). */
  async remove(jobIds: readonly string[]): Promise<void> {
    await Promise.allSettled(jobIds.map((id) => this.queue.remove(id)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}

/** Takes jobs from a WorkQueue, `concurrency` at a time; the handler's value is the job's result. */
export class WorkConsumer {
  private readonly worker: Worker;
  private closed = false;

  constructor(options: { redisUrl: string; prefix: string; name: string; concurrency: number; handler: (data: unknown, jobId: string) => Promise<unknown>; onError?: (err: Error) => void }) {
    this.worker = new Worker(options.name, async (job) => options.handler(job.data, job.id ?? ''), {
      connection: connectionOptions(options.redisUrl),
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
      // Runs take seconds to minutes: the lock is renewed while one runs; a dead worker's run is handed on.
      lockDuration: 30_000,
      stalledInterval: 15_000,
      maxStalledCount: 2,
    });
    this.worker.on('error', (err) => options.onError?.(err));
  }

  async start(): Promise<void> {
    void this.worker.run();
    await this.worker.waitUntilReady();
  }

  /** Stops taking jobs and waits for the ones running; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.close();
  }
}
