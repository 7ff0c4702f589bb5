import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AspError } from '../errors.ts';
import type { RunLeaseRow, TelemetryStore } from '../telemetry/telemetry-store.ts';

/**
 * A run being executed holds a lease in the telemetry database: host, pid,
 * since when, and a heartbeat refreshed every few seconds. `--resume` of a run
 * whose lease is live stops before writing anything (exit 2, naming the
 * holder); a stale lease (its process is gone from this host, or no heartbeat
 * for `staleMs`) is taken over. A holder that finds its lease taken over (it
 * was frozen past `staleMs`) stops writing and stops the run.
 */
export interface RunLeaseOptions {
  /** A lease with no heartbeat for this long is stale (default ASP_LEASE_STALE_MS or 30 s). */
  staleMs?: number;
  /** How often the heartbeat is refreshed (default staleMs / 10, at most 2 s). */
  heartbeatMs?: number;
  /** Called once when another process took the lease over. */
  onLost?: (holder: string) => void;
  /** Called when a heartbeat could not be written (a locked database); the next one tries again. */
  onRenewFailed?: (err: unknown) => void;
  now?: () => number;
}

const DEFAULT_STALE_MS = 30_000;

export function leaseStaleMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.ASP_LEASE_STALE_MS);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_STALE_MS;
}

/** True when a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lease still belongs to a live run: a fresh heartbeat and, on this host, a live pid. */
export function leaseIsLive(lease: RunLeaseRow, now: number, staleMs: number, host = hostname(), alive = pidAlive): boolean {
  if (now - lease.heartbeatMs > staleMs) return false;
  return lease.host !== host || alive(lease.pid);
}

export function describeHolder(lease: RunLeaseRow): string {
  return `pid ${lease.pid} on ${lease.host}`;
}

export class RunLease {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  private released = false;

  private constructor(
    private readonly store: TelemetryStore,
    readonly runId: string,
    private readonly row: RunLeaseRow,
    private readonly options: RunLeaseOptions,
  ) {}

  /** Takes the run's lease, or throws (exit 2) naming the live process that holds it. */
  static acquire(store: TelemetryStore, runId: string, options: RunLeaseOptions = {}): RunLease {
    const now = options.now ?? Date.now;
    const staleMs = options.staleMs ?? leaseStaleMs();
    const t = now();
    const row: RunLeaseRow = { host: hostname(), pid: process.pid, token: randomBytes(12).toString('hex'), since: new Date(t).toISOString(), heartbeatMs: t };
    const claim = store.claimLease(runId, row, (current) => !leaseIsLive(current, t, staleMs));
    if (!claim.claimed) {
      const h = claim.holder;
      const ago = Math.max(0, Math.round((t - h.heartbeatMs) / 1000));
      throw new AspError('USAGE', `run ${runId} is still running: ${describeHolder(h)} has held it since ${h.since} (last heartbeat ${ago} s ago); nothing was written`, {
        exitCode: 2,
        details: { host: h.host, pid: h.pid, since: h.since },
        hint:
          `wait for it to finish, or stop it (kill -INT ${h.pid} on ${h.host}) and then run \`npm run simulate -- --resume ${runId}\`; ` +
          `a lease with no heartbeat for ${Math.round(staleMs / 1000)} s (ASP_LEASE_STALE_MS) is taken over`,
      });
    }
    const lease = new RunLease(store, runId, row, { ...options, staleMs });
    lease.startHeartbeat();
    return lease;
  }

  /** False once another process took the run over: this process must not write the run's end. */
  get held(): boolean {
    return !this.lost && !this.released;
  }

  private startHeartbeat(): void {
    const staleMs = this.options.staleMs ?? DEFAULT_STALE_MS;
    const every = this.options.heartbeatMs ?? Math.min(2000, Math.max(10, Math.floor(staleMs / 10)));
    this.timer = setInterval(() => this.renew(), every);
    this.timer.unref();
  }

  private renew(): void {
    if (!this.held) return;
    let mine: boolean;
    try {
      mine = this.store.renewLease(this.runId, this.row.token, (this.options.now ?? Date.now)());
    } catch (err) {
      this.options.onRenewFailed?.(err);
      return;
    }
    if (mine) return;
    this.lost = true;
    this.stop();
    let holder = 'another process';
    try {
      const current = this.store.currentLease(this.runId);
      if (current) holder = describeHolder(current);
    } catch {
      // The holder's name is only for the message.
    }
    this.options.onLost?.(holder);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Gives the lease up (when still held). Safe to call twice. */
  release(): void {
    this.stop();
    if (!this.held) return;
    this.released = true;
    this.store.releaseLease(this.runId, this.row.token);
  }
}
