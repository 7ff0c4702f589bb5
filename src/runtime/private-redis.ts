import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { pingRedis, probeRedis, redisAuthFailed, redisUnavailable } from '../queue/bullmq-driver.ts';

/**
 * Finds the Redis a run uses: REDIS_URL (or --redis), else 127.0.0.1:6379;
 * when nothing answers and `redis-server` is installed, a private server on
 * a free loopback port that lives as long as the run.
 */
export interface RedisHandle {
  url: string;
  /** True when this process started the server (and stops it on close). */
  private: boolean;
  close(): Promise<void>;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export async function acquireRedis(url: string | undefined, options: { allowPrivate?: boolean } = {}): Promise<RedisHandle> {
  const target = url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const probe = await probeRedis(target);
  if (probe.ok) return { url: target, private: false, close: async () => undefined };
  if (probe.reason === 'auth') throw redisAuthFailed(target, probe.message);
  const explicit = url !== undefined || process.env.REDIS_URL !== undefined;
  if (explicit || options.allowPrivate === false || !redisServerInstalled()) throw redisUnavailable(target);
  return startPrivateRedis();
}

function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Passwords of the private servers this process started, per port: a server restarted on its port keeps its credentials. */
const privatePasswords = new Map<number, string>();

/** The ACL user of a private server (its `default` user is disabled). */
export const PRIVATE_REDIS_USER = 'asp-admin';

/**
 * Starts a redis-server on loopback (on `port`, or a free one) that keeps
 * nothing on disk. Its `default` user is disabled: a client must log in as
 * PRIVATE_REDIS_USER with a random password (in the returned URL), so a
 * listener that tries `AUTH default x` or no AUTH at all gets nothing. The
 * configuration, password included, goes in through stdin, never argv.
 */
export async function startPrivateRedis(port?: number): Promise<RedisHandle> {
  port ??= await freePort();
  const password = privatePasswords.get(port) ?? randomBytes(24).toString('hex');
  privatePasswords.set(port, password);
  const url = `redis://${PRIVATE_REDIS_USER}:${password}@127.0.0.1:${port}`;
  const config = [`port ${port}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', 'user default off resetpass resetkeys resetchannels -@all', `user ${PRIVATE_REDIS_USER} on >${password} ~* &* +@all`];
  const child: ChildProcess = spawn('redis-server', ['-'], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(`${config.join('\n')}\n`);
  const deadline = Date.now() + 10_000;
  while (!(await pingRedis(url, 300))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw redisUnavailable(url);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let closed = false;
  return {
    url,
    private: true,
    async close() {
      if (closed) return;
      closed = true;
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
