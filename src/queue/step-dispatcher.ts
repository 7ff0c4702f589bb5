import { AspError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PersonaName } from '../personas.ts';
import { StepQueue } from './bullmq-driver.ts';
import { StepEnvelopeSchema, describeIssues, type StepEnvelope } from './job-schema.ts';
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
}

interface Pending {
  persona: PersonaName;
  /** Kept to enqueue the job again if Redis lost it (a restart without persistence). */
  data: unknown;
  since: number;
  resolve: (envelope: StepEnvelope) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Sends step jobs to persona queues and resolves each with its listener's
 * validated result. Results arrive through the queues' event streams; a
 * sweeper asks Redis directly about jobs whose event is late, so a missed
 * event never loses a step.
 */
export class StepDispatcher {
  private readonly queues = new Map<PersonaName, StepQueue>();
  private readonly pending = new Map<string, Pending>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;
  private sweepAgain = false;
  private closed = false;

  constructor(private readonly options: StepDispatcherOptions) {
    for (const persona of options.personas) {
      this.queues.set(
        persona,
        new StepQueue(
          { redisUrl: options.redisUrl, prefix: options.prefix, persona },
          {
            onCompleted: (id, value) => this.complete(id, value),
            onFailed: (id, reason) => this.fail(id, reason),
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

  async dispatch(persona: PersonaName, jobId: string, data: unknown, signal?: AbortSignal): Promise<StepEnvelope> {
    const queue = this.queues.get(persona);
    if (!queue) throw new AspError('INTERNAL', `no queue for persona ${persona}`);
    if (this.pending.has(jobId)) throw new AspError('INTERNAL', `step ${jobId} is already in flight`);
    if (this.options.signal?.aborted) throw new AspError('STEP_FAILED', 'interrupted');
    const result = new Promise<StepEnvelope>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(jobId, `no result within ${this.options.timeoutMs} ms (is the ${persona} listener alive?)`), this.options.timeoutMs);
      timer.unref();
      this.pending.set(jobId, { persona, data, since: Date.now(), resolve, reject, timer });
    });
    const onAbort = () => this.fail(jobId, 'interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
    // Not awaited before the result: while Redis is away the add waits, and an abort must still settle the step.
    // A job Redis already had is reported by a 'duplicated' event (settleDuplicate); a missed one, by the sweeper.
    void queue.add(data, { jobId, attempts: this.options.attempts, backoffMs: this.options.backoffMs }).catch((err: unknown) => this.fail(jobId, `could not enqueue: ${(err as Error).message}`));
    try {
      return await result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private complete(jobId: string, value: unknown): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    clearTimeout(p.timer);
    const parsed = StepEnvelopeSchema.safeParse(value);
    if (parsed.success) p.resolve(parsed.data as StepEnvelope);
    else p.reject(new AspError('JOB_INVALID', `listener ${p.persona} returned a malformed result for ${jobId}: ${describeIssues(parsed.error)}`));
  }

  private fail(jobId: string, reason: string): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    clearTimeout(p.timer);
    p.reject(stepFailure(reason));
  }

  private async settleDuplicate(jobId: string): Promise<void> {
    const p = this.pending.get(jobId);
    if (!p) return;
    try {
      await this.settleFromRedis(jobId, p.persona);
    } catch (err) {
      this.options.logger.debug({ err, jobId }, 'could not read a duplicated job (Redis unavailable?); the sweeper asks again');
    }
  }

  private async settleFromRedis(jobId: string, persona: PersonaName): Promise<'pending' | 'settled' | 'lost'> {
    const outcome = await this.queues.get(persona)?.outcome(jobId);
    if (!outcome) return 'lost';
    if (outcome.state === 'completed') this.complete(jobId, outcome.returnValue);
    else if (outcome.state === 'failed') this.fail(jobId, outcome.failedReason ?? 'failed');
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
      for (const [jobId, p] of [...this.pending]) {
        if (now - p.since < minAgeMs) continue;
        const state = await this.settleFromRedis(jobId, p.persona);
        if (state === 'lost' && this.pending.has(jobId)) {
          this.options.logger.warn({ jobId, persona: p.persona }, 'job lost by Redis; enqueuing it again');
          await this.queues.get(p.persona)?.add(p.data, { jobId, attempts: this.options.attempts, backoffMs: this.options.backoffMs });
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
    for (const id of [...this.pending.keys()]) this.fail(id, 'dispatcher closed');
    const results = await Promise.allSettled([...this.queues.values()].map((q) => q.close(force)));
    for (const r of results) if (r.status === 'rejected') this.options.logger.warn({ err: r.reason }, 'queue close failed');
  }
}
