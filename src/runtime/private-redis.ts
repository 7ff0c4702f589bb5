import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { pingRedis, redisUnavailable } from '../queue/bullmq-driver.ts';

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
  if (await pingRedis(target)) return { url: target, private: false, close: async () => undefined };
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

/** Starts a redis-server on loopback (on `port`, or a free one) that keeps nothing on disk. */
export async function startPrivateRedis(port?: number): Promise<RedisHandle> {
  port ??= await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
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
