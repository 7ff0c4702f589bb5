import { redisServerId } from '../queue/bullmq-driver.ts';

/**
 * Watches Redis during a run: its presence and its identity. While it is
 * away the run simply waits (the queues reconnect and jobs continue); an
 * outage longer than `outageMs` calls `onOutage` once, so the run can stop
 * with a clear error and be resumed later. A server that answers with a new
 * `run_id` restarted, however briefly it was away (a restart faster than one
 * check is never seen as an outage): `onRestart` lets the run give back what
 * a restarted Redis forgot (the persona users, the jobs in flight).
 */
export class RedisWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private downSince: number | undefined;
  private serverId: string | undefined;
  private tripped = false;
  private checking = false;

  constructor(
    private readonly url: string,
    private readonly outageMs: number,
    private readonly events: {
      onDown?: () => void;
      onBack?: (downMs: number) => void;
      onRestart?: (serverId: string) => void;
      onOutage: (downMs: number) => void;
    },
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    void this.check(); // learn the server's identity now, not a check later
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.checking || this.tripped) return;
    this.checking = true;
    try {
      const id = await redisServerId(this.url, Math.min(1000, this.intervalMs));
      const now = Date.now();
      if (id !== undefined) {
        if (this.downSince !== undefined) this.events.onBack?.(now - this.downSince);
        this.downSince = undefined;
        const restarted = this.serverId !== undefined && id !== this.serverId;
        this.serverId = id;
        if (restarted) this.events.onRestart?.(id);
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
