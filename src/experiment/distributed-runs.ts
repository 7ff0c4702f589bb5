import { AspError } from '../errors.ts';
import { UnrecoverableError, WorkConsumer, WorkQueue } from '../queue/bullmq-driver.ts';
import type { RunResult } from './experiment-metrics.ts';
import type { RunExecutor } from './run-executor.ts';
import type { RunSpec, TransportName } from './run-variant.ts';
import { parseRunJob, parseRunResult, type RunJob } from './run-wire.ts';

/**
 * Distributed experiments: the runs are jobs on one BullMQ queue that any
 * number of `asp experiment --worker` processes (on any host that reaches
 * the Redis) consume. Results come back as the jobs' return values; only
 * the experiment's own process writes the telemetry database.
 */
export const EXPERIMENT_QUEUE = 'experiment-runs';
export const EXPERIMENT_PREFIX = 'asp-exp';

export interface QueueLocation {
  redisUrl: string;
  prefix?: string;
  queue?: string;
}

/** Puts an experiment's runs on the queue and waits for every result. */
export class DistributedExecutor implements RunExecutor {
  constructor(
    private readonly location: QueueLocation,
    private readonly experimentId: string,
    private readonly transport: TransportName,
    private readonly pollMs = 5000,
  ) {}

  async run(specs: readonly RunSpec[], onResult: (result: RunResult) => void, signal: AbortSignal): Promise<void> {
    const pending = new Map(specs.map((spec) => [`${this.experimentId}:${spec.variant}:${spec.seedIndex}`, spec]));
    let settle: { resolve: () => void; reject: (err: Error) => void } = { resolve: () => undefined, reject: () => undefined };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const accept = (jobId: string, value: unknown) => {
      if (!pending.has(jobId) || value === undefined) return;
      const result = parseRunResult(value);
      if (typeof result === 'string') return settle.reject(new AspError('JOB_INVALID', `run ${jobId}: ${result}`));
      pending.delete(jobId);
      onResult(result);
      if (pending.size === 0) settle.resolve();
    };
    const queue = new WorkQueue(
      { redisUrl: this.location.redisUrl, prefix: this.location.prefix ?? EXPERIMENT_PREFIX, name: this.location.queue ?? EXPERIMENT_QUEUE },
      {
        onCompleted: accept,
        onFailed: (jobId, reason) => {
          if (pending.has(jobId)) settle.reject(new AspError('RUNTIME_FAILED', `run ${jobId} failed on a worker: ${reason}`));
        },
      },
    );
    // Events can be missed (a reconnect): results still waiting are read from the jobs now and then.
    const poll = setInterval(() => {
      for (const jobId of [...pending.keys()].slice(0, 200))
        void queue.completedValue(jobId).then(
          (v) => accept(jobId, v),
          () => undefined,
        );
    }, this.pollMs);
    const onAbort = () => settle.resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await queue.ready();
      const jobs = [...pending].map(([jobId, spec]) => ({ jobId, data: { v: 1, transport: this.transport, spec } satisfies RunJob }));
      await queue.addAll(jobs, 2);
      if (pending.size > 0) await done;
    } finally {
      clearInterval(poll);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) await queue.remove([...pending.keys()]);
      await queue.close();
    }
  }
}

/** What a worker runs a job's spec with, per transport. */
export type RunOn = (transport: TransportName, spec: RunSpec, signal: AbortSignal) => Promise<RunResult>;

/** An `asp experiment --worker` process: takes runs from the queue until stopped. */
export async function serveExperimentRuns(location: QueueLocation, concurrency: number, runOn: RunOn, signal: AbortSignal, onError?: (err: Error) => void): Promise<void> {
  const consumer = new WorkConsumer({
    redisUrl: location.redisUrl,
    prefix: location.prefix ?? EXPERIMENT_PREFIX,
    name: location.queue ?? EXPERIMENT_QUEUE,
    concurrency,
    handler: async (data) => {
      const job = parseRunJob(data);
      // A malformed job is not retried.
      if (typeof job === 'string') throw new UnrecoverableError(job);
      return runOn(job.transport, job.spec, signal);
    },
    ...(onError ? { onError } : {}),
  });
  await consumer.start();
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  await consumer.close();
}
