import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { AspError } from '../../errors.ts';

// Connection options and one-shot probes of a Redis server, and the errors that say what is wrong with one.

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
