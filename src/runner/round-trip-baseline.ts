import { randomBytes } from 'node:crypto';
import { obliterateQueues, StepConsumer, StepQueue } from '../queue/bullmq-driver.ts';
import { WORKER_PERSONAS, type PersonaName } from '../personas.ts';
import { startBenchChild, untilStopped, type BenchChild } from './bench-child.ts';

/**
 * The floor `asp bench` measures the engine against: the engine's own
 * round-trip pattern with nothing else in it. A runner keeps `inFlight` tasks
 * going; each task is a sequence of steps on the persona queues (the next
 * step is added when the previous one's completion arrives through
 * QueueEvents): the same steps as the engine's task (`sequences`, from
 * bench-workload.ts), or `ROUND_TRIP_STEPS`; each queue's worker runs in its own child process and
 * answers at once. No validation, no machine, no database, no recording.
 * The queues, job options and event streams are the engine's (StepQueue,
 * StepConsumer), and each event stream is read from its start on the fresh
 * prefix, so no completion is missed before the first read.
 */
export const ROUND_TRIP_STEPS: readonly PersonaName[] = ['jordan', 'alex', 'alex', 'sarah', 'alex', 'sarah', 'alex', 'jordan'];

export interface RoundTripOptions {
  redisUrl: string;
  tasks: number;
  inFlight: number;
  workerConcurrency: number;
  /** Task i's steps, as the personas whose queues they go to (one per task); default ROUND_TRIP_STEPS for every task. */
  sequences?: readonly (readonly PersonaName[])[];
  timeoutMs?: number;
}

export interface RoundTripResult {
  tasks: number;
  jobs: number;
  /** Average over the tasks. */
  stepsPerTask: number;
  ms: number;
  tasksPerS: number;
  jobsPerS: number;
}

export async function runRoundTripBaseline(options: RoundTripOptions): Promise<RoundTripResult> {
  const prefix = `asp-bench-rt-${randomBytes(4).toString('hex')}`;
  const workers: BenchChild[] = [];
  const queues = new Map<PersonaName, StepQueue>();
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const persona of WORKER_PERSONAS) {
      workers.push(
        await startBenchChild(
          ['bench', '--round-trip-worker', persona, '--prefix', prefix, '--redis', options.redisUrl, '--listener-concurrency', String(options.workerConcurrency)],
          `round-trip worker ${persona}`,
        ),
      );
    }
    const { sequences } = options;
    if (sequences && sequences.length !== options.tasks) throw new Error(`round-trip baseline: ${sequences.length} step sequences for ${options.tasks} tasks`);
    const stepsOf = (task: number): readonly PersonaName[] => sequences?.[task] ?? ROUND_TRIP_STEPS;
    let started = 0;
    let done = 0;
    let fail: (err: Error) => void = () => undefined;
    const add = (task: number, step: number) => {
      const persona = stepsOf(task)[step]!;
      queues
        .get(persona)!
        .add({ task, step }, { jobId: `t${task}-s${step}`, attempts: 1, backoffMs: 1000 })
        .catch((err: Error) => fail(err));
    };
    const finished = new Promise<number>((resolve, reject) => {
      fail = reject;
      timer = setTimeout(() => reject(new Error(`round-trip baseline: ${done}/${options.tasks} tasks after ${options.timeoutMs ?? 600_000} ms`)), options.timeoutMs ?? 600_000);
      const onCompleted = (jobId: string) => {
        const m = /^t(\d+)-s(\d+)$/.exec(jobId);
        if (!m) return;
        const task = Number(m[1]);
        const step = Number(m[2]) + 1;
        if (step < stepsOf(task).length) return add(task, step);
        done++;
        if (done >= options.tasks) resolve(Date.now());
        else if (started < options.tasks) add(started++, 0);
      };
      for (const persona of WORKER_PERSONAS) {
        queues.set(
          persona,
          new StepQueue({ redisUrl: options.redisUrl, prefix, persona }, { onCompleted, onFailed: (jobId, reason) => reject(new Error(`round-trip job ${jobId} failed: ${reason}`)) }),
        );
      }
    });
    await Promise.all([...queues.values()].map((q) => q.ready()));
    const startedAt = Date.now();
    while (started < Math.min(options.inFlight, options.tasks)) add(started++, 0);
    const endedAt = await finished;
    const ms = Math.max(1, endedAt - startedAt);
    let jobs = 0;
    for (let task = 0; task < options.tasks; task++) jobs += stepsOf(task).length;
    return { tasks: options.tasks, jobs, stepsPerTask: jobs / options.tasks, ms, tasksPerS: (options.tasks * 1000) / ms, jobsPerS: (jobs * 1000) / ms };
  } finally {
    clearTimeout(timer);
    await Promise.allSettled([...queues.values()].map((q) => q.close()));
    await Promise.allSettled(workers.map((w) => w.stop()));
    await obliterateQueues(options.redisUrl, prefix, WORKER_PERSONAS).catch(() => undefined);
  }
}

/** The child side: one persona queue's worker, answering every job at once, until SIGTERM/SIGINT. */
export async function serveRoundTripWorker(options: { redisUrl: string; prefix: string; persona: PersonaName; concurrency: number; ready: () => void }): Promise<void> {
  const consumer = new StepConsumer({
    redisUrl: options.redisUrl,
    prefix: options.prefix,
    persona: options.persona,
    concurrency: options.concurrency,
    handler: async (job) => ({ ok: true, id: job.id }),
  });
  await consumer.start();
  options.ready();
  await untilStopped();
  await consumer.close();
}
