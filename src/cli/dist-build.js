// Where the compiled engine lives and whether it is up to date with the
// sources. Plain JavaScript: the launcher (asp.js) and the build (build.js)
// use it before any TypeScript can run.
//
// dist/ is fresh when its build stamp (dist/.build-stamp, dated when the last
// build started) is at least as new as every file under src/ and the
// tsconfig files. A checkout without src/ (the Docker image) is always fresh.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SRC = join(ROOT, 'src');
export const DIST = join(ROOT, 'dist');
export const STAMP = join(DIST, '.build-stamp');
/** The compiled command entry (what containers and spawned listeners run). */
export const DIST_ENTRY = join(DIST, 'cli', 'entry.js');
const CONFIGS = ['tsconfig.json', 'src/tsconfig.build.json'];

/** Newest modification time (ms) of the build's inputs under `root`. */
export function newestSource(root = ROOT) {
  let newest = 0;
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const t = statSync(join(entry.parentPath, entry.name)).mtimeMs;
    if (t > newest) newest = t;
  }
  for (const name of CONFIGS) {
    const file = join(root, name);
    if (existsSync(file)) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/** 'fresh' | 'missing' | 'stale': whether `root`/dist can run in place of `root`/src. */
export function distState(root = ROOT) {
  if (!existsSync(join(root, 'dist', 'cli', 'entry.js'))) return 'missing';
  if (!existsSync(join(root, 'src'))) return 'fresh';
  let stamp;
  try {
    stamp = statSync(join(root, 'dist', '.build-stamp')).mtimeMs;
  } catch {
    return 'stale';
  }
  return newestSource(root) <= stamp ? 'fresh' : 'stale';
}
