import { chmod, lchown, lstat, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Who owns a run's workspace folder (`<workspaces>/<runId>`), when listeners
 * run under other uids than the runner (the docker runtime's container user,
 * the process runtime's per-persona uids). Only the run's own folder is ever
 * touched: earlier runs' repositories keep their owner, so `git -C
 * workspaces/<other run>/<task> log` keeps working for the host user.
 */

/** Sets owner and group of everything under `path` (symbolic links themselves, never their targets). */
export async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const st = await lstat(path);
  if (st.uid !== uid || st.gid !== gid) await lchown(path, uid, gid);
  if (st.isDirectory()) for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
}

/**
 * Makes the run's folder exist and belong to the listeners' uid:gid (mode
 * `mode`, e.g. 0o2775: group-writable, new entries inherit the group); its
 * earlier content (a resumed run) is handed over too. The workspace root
 * itself is only created, never chowned. Returns the run folder.
 */
export async function handRunWorkspace(root: string, runId: string, uid: number, gid: number, mode = 0o755): Promise<string> {
  const dir = resolve(root, runId);
  await mkdir(dir, { recursive: true });
  await chownTree(dir, uid, gid);
  await chmod(dir, mode);
  return dir;
}

/**
 * Gives the run's folder back to this process's user (the host's git refuses
 * a repository another uid owns: "dubious ownership"). Group and modes stay,
 * so a resumed run's listeners can still write there.
 */
export async function reclaimRunWorkspace(root: string, runId: string): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path).catch(() => undefined);
    if (!st) return;
    if (st.uid !== uid) await lchown(path, uid, st.gid);
    if (st.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
  };
  await walk(resolve(root, runId));
}
