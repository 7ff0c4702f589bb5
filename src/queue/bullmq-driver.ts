import { Job, Queue, QueueEvents, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { AspError } from '../errors.ts';
import type { PersonaName } from '../personas.ts';

/**
 * The only module that imports bullmq and ioredis. Everything else talks to
 * Redis through the small classes and functions exported here.
 */

export { UnrecoverableError };

export interface RedisTarget {
  url: string;
}

export function connectionOptions(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname && u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
  };
}

/** What a one-shot connection to Redis found: it answers, it refused our credentials, or nothing answers. */
export type RedisProbe = { ok: true } | { ok: false; reason: 'auth' | 'unreachable'; message: string };

const AUTH_REPLY = /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid password|AUTH .*(failed|without any password)/i;

/** One-shot connection and PING within `timeoutMs`, telling a refused login from a server that does not answer. */
export async function probeRedis(url: string, timeoutMs = 1500): Promise<RedisProbe> {
  const r = await oneShot(url, timeoutMs, async (client) => (await client.ping()) === 'PONG');
  if (!r.ok) return r;
  return r.value ? { ok: true } : { ok: false, reason: 'unreachable', message: 'no PONG' };
}

/**
 * The server's identity: `run_id` from INFO, new at every start of the server.
 * A changed one means Redis restarted and lost what it kept only in memory (ACL
 * users, queues), however short the outage. undefined when Redis does not answer.
 */
export async function redisServerId(url: string, timeoutMs = 1500): Promise<string | undefined> {
  const r = await oneShot(url, timeoutMs, async (client) => /run_id:(\w+)/.exec(await client.info('server'))?.[1]);
  return r.ok ? r.value : undefined;
}

/** Runs `fn` on a fresh connection that fails fast within `timeoutMs`, telling a refused login from a server that does not answer. */
async function oneShot<T>(url: string, timeoutMs: number, fn: (client: Redis) => Promise<T>): Promise<{ ok: true; value: T } | Exclude<RedisProbe, { ok: true }>> {
  const client = new Redis({
    ...(connectionOptions(url) as object),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let seen: Error | undefined;
  client.on('error', (err: Error) => (seen ??= err));
  try {
    await client.connect();
    return { ok: true, value: await fn(client) };
  } catch (err) {
    const message = [err, seen].map((e) => (e instanceof Error ? e.message : '')).find((m) => AUTH_REPLY.test(m)) ?? (err instanceof Error ? err.message : String(err));
    return { ok: false, reason: AUTH_REPLY.test(message) ? 'auth' : 'unreachable', message };
  } finally {
    // disconnect() on a connection that already ended keeps the process alive for ~2 s (ioredis).
    if (client.status !== 'end') client.disconnect();
  }
}

/** One-shot check that a Redis server answers PING within `timeoutMs` (and accepts the URL's credentials). */
export async function pingRedis(url: string, timeoutMs = 1500): Promise<boolean> {
  return (await probeRedis(url, timeoutMs)).ok;
}

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

/** A plain Redis client for small commands (heartbeats, cleanup, stats). */
export class RedisClient {
  private readonly client: Redis;
  private closed = false;

  /**
   * `timeoutMs`: fail instead of waiting for Redis: no reconnect, each command
   * rejects after that long (cleanup steps, which must neither hang nor run
   * late against a Redis that came back).
   */
  constructor(url: string, options: { timeoutMs?: number } = {}) {
    const failFast = options.timeoutMs === undefined ? {} : { connectTimeout: options.timeoutMs, commandTimeout: options.timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0 };
    this.client = new Redis({ ...(connectionOptions(url) as object), lazyConnect: false, ...failFast });
    this.client.on('error', () => undefined);
  }

  async setWithTtl(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client.set(key, value, 'PX', ttlMs);
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length > 0) await this.client.del(...keys);
  }

  /** Keys matching a glob pattern (SCAN, never KEYS). */
  async scan(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }

  async mget(keys: string[]): Promise<Array<string | null>> {
    return keys.length === 0 ? [] : this.client.mget(...keys);
  }

  /** Creates or replaces an ACL user (Redis 6+); `rules` as ACL SETUSER takes them. */
  async aclSetUser(name: string, rules: readonly string[]): Promise<void> {
    await this.client.call('ACL', 'SETUSER', name, ...rules);
  }

  /** Deletes ACL users (and disconnects their clients); returns how many existed. */
  async aclDelUser(...names: string[]): Promise<number> {
    return names.length === 0 ? 0 : Number(await this.client.call('ACL', 'DELUSER', ...names));
  }

  /** The names of the server's ACL users. */
  async aclUsers(): Promise<string[]> {
    return (await this.client.call('ACL', 'USERS')) as string[];
  }

  /** One raw command (isolation tests use it to prove what a user may not do). */
  async command(name: string, ...args: Array<string | number>): Promise<unknown> {
    return this.client.call(name, ...args);
  }

  async usedMemoryBytes(): Promise<number> {
    const info = await this.client.info('memory');
    const match = /used_memory:(\d+)/.exec(info);
    return match ? Number(match[1]) : 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}

export interface StepQueueOptions {
  redisUrl: string;
  prefix: string;
  persona: PersonaName;
}

export interface AddOptions {
  jobId: string;
  attempts: number;
  backoffMs: number;
}

export interface JobEvents {
  onCompleted(jobId: string, returnValue: unknown): void;
  onFailed(jobId: string, reason: string): void;
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
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.events.on('completed', ({ jobId, returnvalue }) => {
      handlers.onCompleted(jobId, typeof returnvalue === 'string' ? safeJson(returnvalue) : returnvalue);
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      // 'failed' can precede a retry; only a job that stays failed is final.
      // The state read fails once the queue closed or Redis is away: the event is dropped
      // (the dispatcher's sweeper asks Redis again for a step still waiting).
      this.state(jobId).then(
        (state) => {
          if (state === 'failed') handlers.onFailed(jobId, failedReason);
        },
        () => undefined,
      );
    });
  }

  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  async add(data: unknown, options: AddOptions): Promise<void> {
    await this.queue.add('step', data, {
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

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

export function redisUnavailable(url: string, cause?: unknown): AspError {
  return new AspError('REDIS_UNAVAILABLE', `Redis does not answer at ${redactRedisUrl(url)}`, {
    exitCode: 2,
    cause,
    hint:
      'start Redis (`redis-server --daemonize yes`, `docker compose up -d redis`, or install it: `apt-get install redis-server`), ' +
      'or point REDIS_URL at a running server (e.g. REDIS_URL=redis://127.0.0.1:6379)',
  });
}

/** Redis answered but refused the URL's credentials (WRONGPASS, NOAUTH): say so, which user, and how to fix it. */
export function redisAuthFailed(url: string, reply: string): AspError {
  const u = new URL(url);
  const user = u.username ? decodeURIComponent(u.username) : 'default';
  const given = u.password ? 'the password in the URL' : 'no password';
  return new AspError('REDIS_UNAVAILABLE', `Redis at ${redactRedisUrl(url)} refused to log in user "${user}" with ${given}: ${reply.split('\n')[0]}`, {
    exitCode: 2,
    hint: `give the right credentials: redis://${u.username || ''}:<password>@${u.host}${u.pathname.length > 1 ? u.pathname : ''} in REDIS_URL or --redis-url-file (check the user with \`redis-cli ACL LIST\`)`,
  });
}

function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}

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
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.events.on('completed', ({ jobId, returnvalue }) => handlers.onCompleted(jobId, typeof returnvalue === 'string' ? safeJson(returnvalue) : returnvalue));
    this.events.on('failed', ({ jobId, failedReason }) => {
      void this.queue.getJobState(jobId).then((state) => {
        if (state === 'failed') handlers.onFailed(jobId, failedReason);
      });
    });
  }

  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  /** Adds jobs; a job id already in the queue is not added twice. */
  async addAll(jobs: ReadonlyArray<{ jobId: string; data: unknown }>, attempts: number): Promise<void> {
    await this.queue.addBulk(jobs.map((j) => ({ name: 'run', data: j.data, opts: { jobId: j.jobId, attempts, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } } })));
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
