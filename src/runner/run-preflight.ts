import type { RuntimeKind } from '../runtime/agent-runtime.ts';
import { DockerClient } from '../runtime/docker-client.ts';
import { checkDatabaseWritable } from '../telemetry/database-preflight.ts';

/**
 * What a run needs from the machine, checked before anything is written (no
 * run row, no runs/ folder, no workspace): a writable telemetry database and,
 * for the docker runtime, an engine that answers. Throws AspError exit 2.
 */
export async function preflightRun(o: { dbPath: string; runtime: RuntimeKind }): Promise<void> {
  checkDatabaseWritable(o.dbPath);
  if (o.runtime === 'docker') await new DockerClient().ping();
}
