import { Redis } from 'ioredis';
import { connectionOptions } from './connection.ts';

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
