#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ (tsc, incremental) and copies the
// files that are not TypeScript (the dashboard assets), then dates the build
// stamp to when the build started, so a source saved during the build still
// counts as newer. `--if-typescript` (the `prepare` script, run by `npm ci`)
// does nothing where TypeScript is not installed (`npm ci --omit=dev`).
// The listener's and simulate's entries are also bundled into one file each
// (dist/cli/<command>-bundle.js, see command-bundles.js): they start in a
// fraction of the time.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DIST, SRC, STAMP } from './dist-build.js';
import { bundleCommands } from './command-bundles.js';

const started = new Date();
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (process.argv.includes('--if-typescript')) {
    console.error('build: TypeScript is not installed (production install); dist/ is used as it is');
    process.exit(0);
  }
  console.error('build: TypeScript is not installed; run `npm ci` first');
  process.exit(2);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(SRC, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
cpSync(join(SRC, 'admin', 'assets'), join(DIST, 'admin', 'assets'), { recursive: true });
// The reference developer's solution kit (JavaScript it writes into task workspaces).
cpSync(join(SRC, 'agents', 'reference', 'kit'), join(DIST, 'agents', 'reference', 'kit'), { recursive: true });
mkdirSync(DIST, { recursive: true });
try {
  await bundleCommands();
} catch (err) {
  console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
writeFileSync(STAMP, `built ${started.toISOString()}\n`);
utimesSync(STAMP, started, started);
