import { chmod, chown, copyFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { identityEnv, type PersonaName } from '../personas.ts';
import type { RuntimeStartOptions } from './agent-runtime.ts';
import { handRunWorkspace } from './workspace-ownership.ts';

/**
 * What one listener container is made of: its name, labels, environment and
 * mounts. Pure or file-system-only helpers of the docker runtime (no engine).
 */

export const LABEL_MANAGED = 'asp.managed';
export const LABEL_RUN_ID = 'asp.run-id';
export const LABEL_PERSONA = 'asp.persona';
export const LABEL_LISTENER_ID = 'asp.listener-id';
export const LABEL_OWNER_HOST = 'asp.owner-host';
export const LABEL_OWNER_PID = 'asp.owner-pid';

/** The persona image (docker/build-image.sh builds it; compose.yml runs it). */
export const DEFAULT_IMAGE = 'asp-platform:latest';

/** Container path of the shared workspace root (ASP_IN_CONTAINER=true uses it). */
export const CONTAINER_WORKSPACE_ROOT = '/app/workspaces';
export const CONTAINER_HOME = '/home/asp';
/** Where a listener finds its persona's Redis URL (with its ACL password) when the run has one. */
export const CONTAINER_REDIS_URL_FILE = '/run/secrets/asp_redis_url';
/** Where a listener finds the API key (compose mounts its secret at the same path). */
export const CONTAINER_API_KEY_FILE = '/run/secrets/api_key';

/** A container name for a listener: [a-zA-Z0-9][a-zA-Z0-9_.-]*, unique per run. */
export function containerName(runId: string, persona: PersonaName, index: number, restart = 0): string {
  const slug = runId.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 64);
  return `asp-${slug}-${persona}-${index + 1}${restart > 0 ? `-r${restart}` : ''}`;
}

/**
 * The environment of one listener container. With a mounted URL file (the
 * persona's own Redis credentials) the URL stays out of the environment, so
 * `docker inspect` shows no password.
 */
export function listenerEnv(o: RuntimeStartOptions, persona: PersonaName, listenerId: string, redisUrlFileMounted = false, apiKeyFileMounted = false): Record<string, string> {
  const env: Record<string, string> = {
    ...identityEnv(persona),
    ...(redisUrlFileMounted ? { ASP_REDIS_URL_FILE: CONTAINER_REDIS_URL_FILE } : { ASP_REDIS_URL: o.redisUrl }),
    ...(apiKeyFileMounted ? { ASP_API_KEY_FILE: CONTAINER_API_KEY_FILE } : {}),
    ASP_QUEUE_PREFIX: o.queuePrefix,
    ASP_CONCURRENCY: String(o.concurrency),
    ASP_LISTENER_ID: listenerId,
    ASP_RUN_ID: o.runId,
    ASP_IN_CONTAINER: 'true',
    HOME: CONTAINER_HOME,
  };
  if (process.env.ASP_LOG_LEVEL) env.ASP_LOG_LEVEL = process.env.ASP_LOG_LEVEL;
  return env;
}

/**
 * Makes the run's own workspace folder (`<root>/<runId>`) exist and belong to
 * the container user when the host is root; the root and earlier runs'
 * folders are left as they are (see workspace-ownership.ts).
 */
export async function prepareRunWorkspace(root: string, runId: string, user: string): Promise<void> {
  await mkdir(root, { recursive: true });
  const ids = containerIds(user);
  if (!ids || process.getuid?.() !== 0) {
    // A non-root host user runs the containers as itself.
    await mkdir(join(root, runId), { recursive: true });
    return;
  }
  await handRunWorkspace(root, runId, ids.uid, ids.gid);
}

export function containerIds(user: string): { uid: number; gid: number } | null {
  const [uidText, gidText] = user.split(':');
  const uid = Number(uidText);
  const gid = Number(gidText ?? uidText);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
}

/**
 * Copies each persona's Redis URL file (0600, owned by the host user) to a
 * file the container user may read (0400, chowned when the host is root);
 * it is bind-mounted read-only at CONTAINER_REDIS_URL_FILE.
 */
export async function stageRedisUrlFiles(o: RuntimeStartOptions, user: string): Promise<Map<PersonaName, string>> {
  const staged = new Map<PersonaName, string>();
  const files = o.redisUrlFiles ?? {};
  for (const persona of o.personas) {
    const source = files[persona];
    if (source) staged.set(persona, await stageSecret(o, user, source, `${persona}-redis-url`));
  }
  return staged;
}

/** The API key file (ASP_API_KEY_FILE of the run), staged the same way; mounted at CONTAINER_API_KEY_FILE. */
export async function stageApiKeyFile(o: RuntimeStartOptions, user: string): Promise<string | undefined> {
  return o.apiKeyFile ? stageSecret(o, user, o.apiKeyFile, 'api-key') : undefined;
}

async function stageSecret(o: RuntimeStartOptions, user: string, source: string, name: string): Promise<string> {
  const dir = join(resolve(o.runDir), 'docker-secrets');
  const ids = containerIds(user);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, name);
  await rm(target, { force: true });
  await copyFile(source, target);
  await chmod(target, 0o400);
  if (ids && process.getuid?.() === 0) await chown(target, ids.uid, ids.gid);
  return target;
}
