import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { PersonaName } from '../personas.ts';
import { allowForeignRepositories } from '../workspace/git-workspace.ts';
import type { RuntimeStartOptions } from './agent-runtime.ts';
import { chownTree, handRunWorkspace } from './workspace-ownership.ts';

/**
 * Persona separation on the process runtime. When the runner is root (CI,
 * this machine), every persona's listeners run under a uid of their own
 * (ASP_LISTENER_UID_BASE + 1, 2, 3; default 61001-61003) and one shared group
 * (ASP_LISTENER_GID, default 61000), so that:
 * - a persona's Redis URL file (its ACL password) is 0400 and owned by its
 *   uid: another persona's listener cannot read it;
 * - the runner's environment (/proc/<pid>/environ, with the admin Redis URL)
 *   and other personas' processes are out of reach (other uid, no ptrace);
 * - the run's workspace folder is group-writable (setgid, umask 002), so
 *   every persona still commits to the task repositories.
 * Not root, ASP_LISTENER_UIDS=off, or a folder the listeners could not reach:
 * the listeners run as the runner's own user and the reason is returned (the
 * runner logs it); see README "Isolation".
 */
export interface ListenerIds {
  uid: number;
  gid: number;
}

export type ListenerIdentities = { separate: true; ids: Record<PersonaName, ListenerIds> } | { separate: false; reason: string };

const PERSONA_OFFSET: Record<PersonaName, number> = { jordan: 1, alex: 2, sarah: 3 };

function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return env[name] !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Decides whether the listeners get uids of their own (see above). */
export async function planListenerIdentities(
  o: Pick<RuntimeStartOptions, 'runDir' | 'workspaceRoot' | 'personas'>,
  programFiles: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ListenerIdentities> {
  if (process.getuid?.() !== 0) return { separate: false, reason: 'the runner is not root, so it cannot start listeners under other uids' };
  if (env.ASP_LISTENER_UIDS === 'off') return { separate: false, reason: 'ASP_LISTENER_UIDS=off' };
  for (const path of [o.runDir, o.workspaceRoot, process.cwd(), ...programFiles]) {
    const blocked = await unreachableAncestor(resolve(path));
    if (blocked) return { separate: false, reason: `${blocked} is not reachable by other users (chmod o+x ${blocked} lets per-persona uids in)` };
  }
  const base = envInt(env, 'ASP_LISTENER_UID_BASE', 61000);
  const gid = envInt(env, 'ASP_LISTENER_GID', 61000);
  const ids = Object.fromEntries(o.personas.map((p) => [p, { uid: base + PERSONA_OFFSET[p], gid }])) as Record<PersonaName, ListenerIds>;
  return { separate: true, ids };
}

/** The first existing folder on the way to `path` that others may not traverse (no o+x), if any. */
async function unreachableAncestor(path: string): Promise<string | undefined> {
  const chain: string[] = [];
  for (let p = dirname(path); ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const dir of chain) {
    const st = await stat(dir).catch(() => undefined);
    if (!st) return undefined; // created later by the run, with the default mode
    if ((st.mode & 0o001) === 0) return dir;
  }
  return undefined;
}

/**
 * Hands the run's files to the listener uids: each persona's HOME and Redis
 * URL file (0400) to its uid, the shared API key file (0440) to the group,
 * the secrets folder traversable but not listable, the run's workspace
 * folder to the group (02775).
 */
export async function prepareListenerFiles(o: RuntimeStartOptions, ids: Record<PersonaName, ListenerIds>, homes: Record<PersonaName, string>): Promise<void> {
  await chmod(resolve(o.runDir), 0o755);
  const gid = Object.values(ids)[0]?.gid ?? 0;
  for (const persona of o.personas) {
    const { uid } = ids[persona];
    await allowForeignRepositories(homes[persona]);
    await chownTree(homes[persona], uid, gid);
    await chmod(homes[persona], 0o700);
    const urlFile = o.redisUrlFiles?.[persona];
    if (urlFile) {
      await chmod(dirname(resolve(urlFile)), 0o711);
      await chown(urlFile, uid, gid);
      await chmod(urlFile, 0o400);
    }
  }
  if (o.apiKeyFile) {
    await chown(o.apiKeyFile, 0, gid);
    await chmod(o.apiKeyFile, 0o440);
  }
  await mkdir(resolve(o.workspaceRoot), { recursive: true });
  await handRunWorkspace(o.workspaceRoot, o.runId, 0, gid, 0o2775);
}
