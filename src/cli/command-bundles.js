// The listener's and the simulate command's entries as one file each:
// dist/cli/listen-bundle.js and dist/cli/simulate-bundle.js, made by the build
// (build.js) from the compiled dist/cli/<command>-entry.js and everything it
// imports, the packages included (bullmq, ioredis, zod, pino), resolved as
// Node resolves them. Loading one file instead of some 500 modules is most of
// a listener's start-up.
//
// Left out (loaded from node_modules at run time): native addons and the
// packages a listener never loads. A bundled package that finds files next
// to itself (__dirname, __filename) still finds them where it is installed:
// those names become its own path, relative to the bundle (dist/ and
// node_modules/ sit side by side here and in the image). A module of ours
// that does so with import.meta.url would look next to the bundle instead: the
// build fails when one is bundled, except those whose paths are the same from
// dist/cli/ (SAME_FROM_CLI below).
import { readFile } from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { DIST, ROOT } from './dist-build.js';

/** The commands with a bundle of their own (entry.ts runs it). */
export const BUNDLED_COMMANDS = ['listen', 'simulate'];
const EXTERNAL = ['msgpackr-extract', 'better-sqlite3', 'dockerode', 'cpu-features', 'ssh2'];
/** Modules whose import.meta paths name the same files from dist/cli/ (written so: '../cli/…', '../admin/…', '../../docker/…', a list of candidates). */
const SAME_FROM_CLI = ['dist/agents/command-agent.js', 'dist/cli/asp-command-line.js', 'dist/runtime/docker-image-builder.js', 'dist/admin/dashboard-assets.js', 'dist/version.js'];
// Bundled CommonJS packages call require() for Node's own modules; __aspPath gives a bundled package its own path.
const BANNER = [
  "import { createRequire as __aspCreateRequire } from 'node:module';",
  "import { fileURLToPath as __aspFileURLToPath } from 'node:url';",
  'const require = __aspCreateRequire(import.meta.url);',
  'const __aspPath = (p) => __aspFileURLToPath(new URL(p, import.meta.url));',
].join('\n');

/** __dirname and __filename of a bundled package: its own folder and file, found from the bundle's place at run time. */
function ownPaths(outfile) {
  return {
    name: 'own-paths',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
        const file = relative(dirname(outfile), args.path).split(sep).join('/');
        const contents = text.replace(/\b__filename\b/g, `__aspPath(${JSON.stringify(file)})`).replace(/\b__dirname\b/g, `__aspPath(${JSON.stringify(dirname(file))})`);
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Builds dist/cli/<command>-bundle.js for each bundled command (build.js). */
export async function bundleCommands() {
  for (const command of BUNDLED_COMMANDS) await bundleEntry(join(DIST, 'cli', `${command}-entry.js`), join(DIST, 'cli', `${command}-bundle.js`), SAME_FROM_CLI);
}

/**
 * Bundles `entry` and what it imports into `outfile` (ESM, Node 20). Throws
 * when a bundled module other than `sameFromHere` uses import.meta (its paths
 * would change); without esbuild (a production install) removes `outfile`.
 */
export async function bundleEntry(entry, outfile, sameFromHere = []) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    // Without it the command loads its modules one by one (entry.ts falls back): slower to start, same code.
    rmSync(outfile, { force: true });
    console.error(`build: esbuild is not installed; no ${relative(ROOT, outfile)} (the command loads its modules one by one: a slower start)`);
    return;
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: BANNER },
    plugins: [ownPaths(outfile)],
    metafile: true,
    logLevel: 'silent',
  });
  const moved = Object.keys(result.metafile.inputs).filter((file) => !sameFromHere.includes(file) && /\.[cm]?js$/.test(file) && readFileSync(join(ROOT, file), 'utf8').includes('import.meta'));
  if (moved.length > 0) {
    rmSync(outfile, { force: true });
    throw new Error(
      `the bundle ${relative(ROOT, outfile)} would move ${moved.join(', ')}, which find(s) files relative to itself (import.meta): import it lazily, or list it in SAME_FROM_CLI (src/cli/command-bundles.js) when its paths are the same from dist/cli/`,
    );
  }
}
