import type { DockerClient } from './docker-client.ts';
import { LABEL_MANAGED, LABEL_OWNER_HOST, LABEL_OWNER_PID, LABEL_RUN_ID } from './docker-listener-spec.ts';

/**
 * The reaper: removes managed containers of runs that are no longer alive
 * (testcontainers' idea), judged by the owner labels every listener container
 * carries. Runs of this process that are open are never touched.
 */

/** Run ids of this process's runtimes that are open: never reaped. */
const openRuns = new Set<string>();

export function markRunOpen(runId: string): void {
  openRuns.add(runId);
}

export function markRunClosed(runId: string): void {
  openRuns.delete(runId);
}

export interface ReapCandidate {
  state: string;
  labels: Record<string, string>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a managed container belongs to a run that is no longer alive: its
 * owner process on this host is gone (or is this process and the run is
 * closed); for owners on other hosts or unknown owners, the container has
 * stopped. Running containers of live runs are never touched.
 */
export function isOrphan(c: ReapCandidate, here: { host: string; pid: number; openRuns: ReadonlySet<string>; pidAlive: (pid: number) => boolean }): boolean {
  const runId = c.labels[LABEL_RUN_ID];
  if (runId !== undefined && here.openRuns.has(runId)) return false;
  const ownerPid = Number(c.labels[LABEL_OWNER_PID]);
  if (c.labels[LABEL_OWNER_HOST] === here.host && Number.isInteger(ownerPid) && ownerPid > 0) {
    return ownerPid === here.pid || !here.pidAlive(ownerPid);
  }
  return !['running', 'restarting', 'paused', 'removing'].includes(c.state);
}

/** Removes the managed containers of runs that are no longer alive; returns them. */
export async function reapOrphans(client: DockerClient, host: string): Promise<Array<{ name: string; runId: string }>> {
  const here = { host, pid: process.pid, openRuns, pidAlive };
  const managed = await client.listByLabels([`${LABEL_MANAGED}=true`]);
  const orphans = managed.filter((c) => isOrphan(c, here));
  await Promise.allSettled(orphans.map((c) => client.stopAndRemove(c.id, 0)));
  return orphans.map((c) => ({ name: c.name, runId: c.labels[LABEL_RUN_ID] ?? '?' }));
}
