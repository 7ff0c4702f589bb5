import { isAspError } from '../../src/errors.ts';
import { DockerClient } from '../../src/runtime/docker-client.ts';

/**
 * Whether a Docker engine answers, decided once per test file. The
 * *.docker.test.ts files run their suites with `describe.skipIf(!docker.available)`
 * and say on the console why they did not run, so a missing engine reads as
 * "not run", never as an obscure failure. CI starts one (docker/start-dockerd.sh).
 */
export interface DockerEngine {
  available: boolean;
  reason: string;
  client: DockerClient;
}

async function probe(): Promise<DockerEngine> {
  const client = new DockerClient({ pingTimeoutMs: 3000 });
  try {
    await client.ping();
    return { available: true, reason: `engine ${await client.serverVersion()}`, client };
  } catch (err) {
    const reason = isAspError(err) ? err.message : String(err);
    return { available: false, reason, client };
  }
}

export const docker: DockerEngine = await probe();

/** Prints why a docker suite is skipped (call at the top of the file). */
export function announceDocker(suite: string): void {
  if (!docker.available) {
    console.warn(`[${suite}] NOT RUN: ${docker.reason}. Start an engine with docker/start-dockerd.sh to run these tests.`);
  }
}
