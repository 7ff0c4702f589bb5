import { QueueDepthProbe, RedisClient } from '../queue/bullmq-driver.ts';
import type { ResourceSample } from './load-metrics.ts';

export interface ResourceSamplerOptions {
  redisUrl: string;
  prefix: string;
  queues: readonly string[];
  intervalMs: number;
  now: () => number;
  onSample: (at: number, sample: ResourceSample) => void;
  /** Process memory of the runner; default process.memoryUsage(). */
  memory?: () => { rss: number; heapUsed: number };
}

/**
 * Samples queue depth per persona, Redis used_memory and the runner's memory
 * every `intervalMs` (one sample at a time: a slow Redis delays the next
 * sample rather than piling requests up). A failed Redis read keeps the
 * process-memory part of the sample.
 */
export class ResourceSampler {
  private readonly probe: QueueDepthProbe;
  private readonly redis: RedisClient;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: ResourceSamplerOptions) {
    this.probe = new QueueDepthProbe(options.redisUrl, options.prefix, options.queues);
    this.redis = new RedisClient(options.redisUrl, { timeoutMs: Math.max(1000, options.intervalMs * 4) });
  }

  start(): void {
    this.schedule(0);
  }

  /** Takes one sample now (also used for the final sample). */
  async sampleOnce(): Promise<void> {
    const memory = (this.options.memory ?? (() => process.memoryUsage()))();
    let depth: Record<string, number> = {};
    let redisBytes: number | undefined;
    try {
      [depth, redisBytes] = await Promise.all([this.probe.depths(), this.redis.usedMemoryBytes()]);
    } catch {
      // Redis busy or gone: keep the process part of the sample.
    }
    this.options.onSample(this.options.now(), { depth, ...(redisBytes !== undefined ? { redisBytes } : {}), rssBytes: memory.rss, heapBytes: memory.heapUsed });
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sampleOnce().finally(() => this.schedule(this.options.intervalMs));
    }, delay);
    this.timer.unref();
  }

  /** Stops sampling and closes the connections; safe to call twice. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await Promise.allSettled([this.probe.close(), this.redis.close()]);
  }
}
