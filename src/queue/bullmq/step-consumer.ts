import { UnrecoverableError, Worker } from 'bullmq';
import type { PersonaName } from '../../personas.ts';
import { connectionOptions } from './connection.ts';

export { UnrecoverableError };

export interface ConsumedJob {
  id: string;
  name: string;
  data: unknown;
  attemptsMade: number;
  timestamp: number;
  processedOn: number;
}

export interface StepConsumerOptions {
  redisUrl: string;
  prefix: string;
  persona: PersonaName;
  concurrency: number;
  handler: (job: ConsumedJob) => Promise<unknown>;
  onFailed?: (jobId: string | undefined, err: Error) => void;
  onError?: (err: Error) => void;
}

/** The consumer side: a BullMQ worker on one persona queue. */
export class StepConsumer {
  private readonly worker: Worker;
  private closed = false;

  constructor(options: StepConsumerOptions) {
    this.worker = new Worker(
      options.persona,
      async (job) =>
        options.handler({
          id: job.id ?? '',
          name: job.name,
          data: job.data,
          attemptsMade: job.attemptsMade,
          timestamp: job.timestamp,
          processedOn: job.processedOn ?? Date.now(),
        }),
      {
        connection: connectionOptions(options.redisUrl),
        prefix: options.prefix,
        concurrency: options.concurrency,
        autorun: false,
        // A listener killed mid-job loses its lock within lockDuration; the
        // stalled check (any listener of the queue) then hands the job back.
        lockDuration: 10_000,
        stalledInterval: 5000,
        maxStalledCount: 2,
      },
    );
    this.worker.on('failed', (job, err) => options.onFailed?.(job?.id, err));
    this.worker.on('error', (err) => options.onError?.(err));
  }

  async start(): Promise<void> {
    void this.worker.run();
    await this.worker.waitUntilReady();
  }

  /** Stops taking jobs and waits for the active ones (graceful); `force` abandons them. */
  async close(force = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.close(force);
  }
}
