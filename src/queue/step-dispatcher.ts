import { AspError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PersonaName } from '../personas.ts';
import { StepQueue } from './bullmq-driver.ts';
import { checkedStepEnvelope } from './envelope-check.ts';
import { StepEnvelopeSchema, describeIssues, type StepEnvelope } from './job-schema.ts';
import { BATCH_JOB_NAME, BatchResultSchema, batchJobId, type BatchJob } from './step-batch.ts';
import { StepBatcher, type BatchItem } from './step-batcher.ts';
import { stepFailure } from './step-failure.ts';

export interface StepDispatcherOptions {
  redisUrl: string;
  prefix: string;
  personas: readonly PersonaName[];
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  logger: Logger;
  /** The run's stop signal: when it aborts, every step in flight is handed back as interrupted. */
  signal?: AbortSignal;
  /** Most steps of one persona in one job (step-batch.ts) [1: one job per step]. */
  batchSteps?: number;
}

interface Pending {
  persona: PersonaName;
  resolve: (envelope: StepEnvelope) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** A queue job in flight: one step (its id is the step's), or a batch of steps (step-batch.ts). */
interface Carrier {
  persona: PersonaName;
  name: 'step' | typeof BATCH_JOB_NAME;
  /** Kept to enqueue the job again if Redis lost it (a restart without persistence). */
  data: unknown;
  stepIds: readonly string[];
  since: number;
}

/**
 * Sends step jobs to persona queues and resolves each step with its
 * listener's validated result. Steps of one persona that become ready
 * together travel in one batch job (up to `batchSteps`; 1: one job per
 * step); each keeps its own outcome. Results arrive through the queues'
 * event streams; a sweeper asks Redis directly about jobs whose event is
 * late, so a missed event never loses a step.
 */
export class StepDispatcher {
  private readonly queues = new Map<PersonaName, StepQueue>();
  private readonly pending = new Map<string, Pending>();
  private readonly carriers = new Map<string, Carrier>();
  private readonly batcher: StepBatcher | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;
  private sweepAgain = false;
  private closed = false;

  constructor(private readonly options: StepDispatcherOptions) {
    const batchSteps = options.batchSteps ?? 1;
    if (batchSteps > 1) this.batcher = new StepBatcher(batchSteps, (persona, items) => this.send(persona, items));
    for (const persona of options.personas) {
      this.queues.set(
        persona,
        new StepQueue(
          { redisUrl: options.redisUrl, prefix: options.prefix, persona },
          {
            onCompleted: (id, value) => this.completeJob(id, value),
            onFailed: (id, reason) => this.failJob(id, reason),
            // A resumed run may add a job that already finished (its event long gone): its outcome is read from Redis.
            onDuplicated: (id) => void this.settleDuplicate(id),
          },
        ),
      );
    }
  }

  /** One listener on the run's signal (not one combined signal per step, which Node never frees). */
  private watchRunSignal(): void {
    this.options.signal?.addEventListener(
      'abort',
      () => {
        for (const id of [...this.pending.keys()]) this.fail(id, 'interrupted');
      },
      { once: true },
    );
  }

  async ready(): Promise<void> {
    this.watchRunSignal();
    await Promise.all([...this.queues.values()].map((q) => q.ready()));
    this.sweeper = setInterval(() => void this.sweep(), 2000);
    this.sweeper.unref();
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends one step and waits for its result. `batchable`: the step may share a
   * job with others of its persona (a simulated agent, no workspace). Rejects
   * with `interrupted` when the run's signal (options.signal) aborts.
   */
  async dispatch(persona: PersonaName, jobId: string, data: unknown, batchable = false): Promise<StepEnvelope> {
    if (!this.queues.has(persona)) throw new AspError('INTERNAL', `no queue for persona ${persona}`);
    if (this.pending.has(jobId)) throw new AspError('INTERNAL', `step ${jobId} is already in flight`);
    if (this.options.signal?.aborted) throw new AspError('STEP_FAILED', 'interrupted');
    const result = new Promise<StepEnvelope>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(jobId, `no result within ${this.options.timeoutMs} ms (is the ${persona} listener alive?)`), this.options.timeoutMs);
      timer.unref();
      this.pending.set(jobId, { persona, resolve, reject, timer });
    });
    if (batchable && this.batcher) this.batcher.push(persona, { id: jobId, data });
    else this.send(persona, [{ id: jobId, data }]);
    return result;
  }

  /** Enqueues the steps still waiting for a result: one alone as a step job, several as a batch job. */
  private send(persona: PersonaName, items: readonly BatchItem[]): void {
    const live = items.filter((i) => this.pending.has(i.id));
    if (live.length === 0) return;
    const stepIds = live.map((i) => i.id);
    const single = live.length === 1;
    const jobId = single ? stepIds[0]! : batchJobId(stepIds);
    const data = single ? live[0]!.data : ({ v: 1, attempts: this.options.attempts, steps: live.map((i) => ({ id: i.id, job: i.data })) } satisfies BatchJob);
    const carrier: Carrier = { persona, name: single ? 'step' : BATCH_JOB_NAME, data, stepIds, since: Date.now() };
    this.carriers.set(jobId, carrier);
    // Not awaited before the result: while Redis is away the add waits, and an abort must still settle the step.
    // A job Redis already had is reported by a 'duplicated' event (settleDuplicate); a missed one, by the sweeper.
    void this.enqueue(jobId, carrier).catch((err: unknown) => this.failJob(jobId, `could not enqueue: ${(err as Error).message}`));
  }

  private enqueue(jobId: string, c: Carrier): Promise<void> {
    const queue = this.queues.get(c.persona);
    if (!queue) throw new AspError('INTERNAL', `no queue for persona ${c.persona}`);
    return queue.add(c.data, { jobId, name: c.name, attempts: this.options.attempts, backoffMs: this.options.backoffMs });
  }

  /** A job's return value: a step's envelope, or a batch's list of per-step answers. */
  private completeJob(jobId: string, value: unknown): void {
    const c = this.carriers.get(jobId);
    this.carriers.delete(jobId);
    if (!c || c.name === 'step') return this.complete(jobId, value);
    const parsed = BatchResultSchema.safeParse(value);
    const results = parsed.success ? parsed.data.results : [];
    c.stepIds.forEach((stepId, i) => {
      const entry = results[i];
      if (!entry || results.length !== c.stepIds.length) this.malformed(stepId, parsed.success ? `${results.length} answers to a batch of ${c.stepIds.length}` : describeIssues(parsed.error));
      else if ('error' in entry) this.fail(stepId, entry.error);
      else this.complete(stepId, entry.ok);
    });
  }

  /** A job failed for good: every step it carried fails with its reason. */
  private failJob(jobId: string, reason: string): void {
    const c = this.carriers.get(jobId);
    this.carriers.delete(jobId);
    for (const stepId of c?.stepIds ?? [jobId]) this.fail(stepId, reason);
  }

  private complete(jobId: string, value: unknown): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    let envelope = checkedStepEnvelope(value);
    if (!envelope) {
      // What the hand-written check (envelope-check.ts) did not accept, the schema rejects with its message (or accepts).
      const parsed = StepEnvelopeSchema.safeParse(value);
      if (!parsed.success) return this.malformed(jobId, describeIssues(parsed.error));
      envelope = parsed.data as StepEnvelope;
    }
    this.pending.delete(jobId);
    clearTimeout(p.timer);
    p.resolve(envelope);
  }

  private malformed(jobId: string, issues: string): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    clearTimeout(p.timer);
    p.reject(new AspError('JOB_INVALID', `listener ${p.persona} returned a malformed result for ${jobId}: ${issues}`));
  }

  private fail(jobId: string, reason: string): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    clearTimeout(p.timer);
    p.reject(stepFailure(reason));
  }

  private async settleDuplicate(jobId: string): Promise<void> {
    const c = this.carriers.get(jobId);
    if (!c) return;
    try {
      await this.settleFromRedis(jobId, c.persona);
    } catch (err) {
      this.options.logger.debug({ err, jobId }, 'could not read a duplicated job (Redis unavailable?); the sweeper asks again');
    }
  }

  private async settleFromRedis(jobId: string, persona: PersonaName): Promise<'pending' | 'settled' | 'lost'> {
    const outcome = await this.queues.get(persona)?.outcome(jobId);
    if (!outcome) return 'lost';
    if (outcome.state === 'completed') this.completeJob(jobId, outcome.returnValue);
    else if (outcome.state === 'failed') this.failJob(jobId, outcome.failedReason ?? 'failed');
    else return 'pending';
    return 'settled';
  }

  /**
   * Settles jobs whose completion event did not arrive (e.g. during a
   * reconnect), and enqueues again a job that Redis no longer has (a Redis
   * restarted without persistence): results depend only on the step, so a
   * second run of it gives the same result.
   */
  private async sweep(minAgeMs = 3000): Promise<void> {
    if (this.sweeping) {
      if (minAgeMs === 0) this.sweepAgain = true;
      return;
    }
    this.sweeping = true;
    try {
      const now = Date.now();
      for (const [jobId, c] of [...this.carriers]) {
        if (now - c.since < minAgeMs) continue;
        // Every step it carried settled otherwise (timed out, interrupted): nothing waits for it.
        if (!c.stepIds.some((id) => this.pending.has(id))) {
          this.carriers.delete(jobId);
          continue;
        }
        const state = await this.settleFromRedis(jobId, c.persona);
        if (state === 'lost' && this.carriers.has(jobId)) {
          this.options.logger.warn({ jobId, persona: c.persona, steps: c.stepIds.length }, 'job lost by Redis; enqueuing it again');
          await this.enqueue(jobId, c);
        }
      }
    } catch (err) {
      this.options.logger.debug({ err }, 'sweep failed (Redis unavailable?)');
    } finally {
      this.sweeping = false;
    }
    if (this.sweepAgain && !this.closed) {
      this.sweepAgain = false;
      await this.sweep(0);
    }
  }

  /**
   * Redis restarted (or lost its keys): every step in flight is checked at
   * once, and those whose job Redis no longer has are enqueued again.
   */
  async recover(): Promise<void> {
    if (!this.closed) await this.sweep(0);
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [persona, q] of this.queues) out[persona] = await q.counts();
    return out;
  }

  /** Removes the run's queues and all their keys. */
  async obliterate(): Promise<void> {
    for (const q of this.queues.values()) await q.obliterate();
  }

  /**
   * `force` drops the Redis connections at once: when Redis is gone, a
   * graceful close would leave commands (an obliterate, say) waiting to run
   * against whatever Redis comes back later.
   */
  async close(force = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.batcher?.clear();
    for (const id of [...this.pending.keys()]) this.fail(id, 'dispatcher closed');
    const results = await Promise.allSettled([...this.queues.values()].map((q) => q.close(force)));
    for (const r of results) if (r.status === 'rejected') this.options.logger.warn({ err: r.reason }, 'queue close failed');
  }
}
