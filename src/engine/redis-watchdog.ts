import { pingRedis } from '../queue/bullmq-driver.ts';

/**
 * Watches Redis during a run. While it is away the run simply waits (the
 * queues reconnect and jobs continue); an outage longer than `outageMs`
 * calls `onOutage` once, so the run can stop with a clear error and be
 * resumed later.
 */
export class RedisWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private downSince: number | undefined;
  private tripped = false;
  private checking = false;

  constructor(
    private readonly url: string,
    private readonly outageMs: number,
    private readonly events: { onDown?: () => void; onBack?: (downMs: number) => void; onOutage: (downMs: number) => void },
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.checking || this.tripped) return;
    this.checking = true;
    try {
      const up = await pingRedis(this.url, Math.min(1000, this.intervalMs));
      const now = Date.now();
      if (up) {
        if (this.downSince !== undefined) this.events.onBack?.(now - this.downSince);
        this.downSince = undefined;
      } else if (this.downSince === undefined) {
        this.downSince = now;
        this.events.onDown?.();
      } else if (now - this.downSince >= this.outageMs) {
        this.tripped = true;
        this.events.onOutage(now - this.downSince);
      }
    } finally {
      this.checking = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
