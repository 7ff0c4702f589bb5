import { AspError } from '../errors.ts';
import type { PersonaName } from '../personas.ts';
import { RedisClient } from './bullmq-driver.ts';

/**
 * Listener liveness through Redis heartbeats: each listener refreshes a key
 * `<prefix>:listeners:<persona>:<listenerId>` with a short TTL. Works the same
 * for child processes, containers and listeners on other hosts.
 */
export const HEARTBEAT_INTERVAL_MS = 1000;
export const HEARTBEAT_TTL_MS = 5000;
/** How often waitForListeners looks for the listeners' first beats. */
const READY_POLL_MS = 20;

/**
 * What a listener of this build can do, sent with every beat: `step-batch`,
 * it takes batch jobs (step-batch.ts). A listener of an older build sends no
 * capabilities, and the runner sends its persona one job per step.
 */
export const STEP_BATCH_CAPABILITY = 'step-batch';
export const LISTENER_CAPABILITIES: readonly string[] = [STEP_BATCH_CAPABILITY];

export interface ListenerBeat {
  persona: PersonaName;
  listenerId: string;
  userId: string;
  pid: number;
  host: string;
  startedAt: number;
  jobsDone: number;
  /** When this beat was sent (ms since the epoch). */
  beatAt?: number;
  /** The last step this listener finished (the admin's health page shows it). */
  lastStep?: LastStep;
  /** LISTENER_CAPABILITIES of its build (absent: a build from before batch jobs). */
  capabilities?: string[];
}

/** The personas whose every live listener takes batch jobs (a persona with none beating is left out). */
export function batchingPersonas(beats: readonly ListenerBeat[], personas: readonly PersonaName[]): Set<PersonaName> {
  return new Set(
    personas.filter((p) => {
      const mine = beats.filter((b) => b.persona === p);
      return mine.length > 0 && mine.every((b) => Array.isArray(b.capabilities) && b.capabilities.includes(STEP_BATCH_CAPABILITY));
    }),
  );
}

export interface LastStep {
  runId: string;
  taskId: string;
  step: string;
  round: number;
  at: number;
}

export function heartbeatKey(prefix: string, persona: string, listenerId: string): string {
  return `${prefix}:listeners:${persona}:${listenerId}`;
}

export class Heartbeat {
  private readonly redis: RedisClient;
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly beat: () => ListenerBeat,
  ) {
    this.redis = new RedisClient(redisUrl);
    const b = beat();
    this.key = heartbeatKey(prefix, b.persona, b.listenerId);
  }

  async start(): Promise<void> {
    await this.send();
    this.timer = setInterval(() => void this.send().catch(() => undefined), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  private async send(): Promise<void> {
    await this.redis.setWithTtl(this.key, JSON.stringify({ ...this.beat(), beatAt: Date.now() }), HEARTBEAT_TTL_MS);
  }

  /** Stops beating and removes the key; bounded, so a listener stops even when Redis is gone. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    await bounded(this.redis.del(this.key));
    await bounded(this.redis.close());
  }
}

/** The live listeners under a prefix, by persona. */
export async function liveListeners(redisUrl: string, prefix: string): Promise<ListenerBeat[]> {
  const redis = new RedisClient(redisUrl);
  try {
    return await readBeats(redis, prefix);
  } finally {
    await redis.close();
  }
}

async function readBeats(redis: RedisClient, prefix: string): Promise<ListenerBeat[]> {
  const keys = await redis.scan(`${prefix}:listeners:*`);
  const values = await redis.mget(keys);
  return values.flatMap((v) => (v ? [JSON.parse(v) as ListenerBeat] : []));
}

/** Waits until at least `perPersona` listeners of every persona beat. */
export async function waitForListeners(
  redisUrl: string,
  prefix: string,
  personas: readonly PersonaName[],
  perPersona: number,
  options: { timeoutMs?: number; signal?: AbortSignal; isAlive?: () => string | null } = {},
): Promise<ListenerBeat[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const redis = new RedisClient(redisUrl);
  try {
    for (;;) {
      const beats = await readBeats(redis, prefix);
      const missing = personas.filter((p) => beats.filter((b) => b.persona === p).length < perPersona);
      if (missing.length === 0) return beats;
      if (options.signal?.aborted) throw new AspError('INTERRUPTED', 'interrupted while waiting for listeners');
      const dead = options.isAlive?.();
      if (dead) throw new AspError('RUNTIME_FAILED', dead);
      if (Date.now() > deadline) {
        throw new AspError('RUNTIME_FAILED', `listeners not ready in time: ${missing.join(', ')}`, {
          hint: 'look at the listener lines in the run log (runs/<runId>/run.log)',
        });
      }
      // Often: a run waits for its listeners only here, and a look is one SCAN and one MGET.
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
  } finally {
    await redis.close();
  }
}
