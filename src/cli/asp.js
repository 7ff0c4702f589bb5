#!/usr/bin/env node
// The `asp` command (the package's bin and the npm scripts' entry).
//
// Runs the compiled engine in dist/ when it is up to date with src/ (the
// build: `npm run build`, also run by `npm ci`). When a source file is newer
// than the last build, or dist/ is missing, it runs the sources through tsx
// instead: slower to start, but never old code. ASP_FROM_SOURCE=1 forces the
// sources. Containers and spawned listeners run dist/cli/entry.js directly
// (`listen` and `simulate` there run their one-file bundles, dist/cli/<command>-bundle.js).
import { pathToFileURL } from 'node:url';
import { DIST_ENTRY, distState } from './dist-build.js';

// Until a command handles SIGINT/SIGTERM itself (to drain), a signal ends asp as interrupted: exit 130.
const interruptedEarly = (signal) => {
  if (process.listenerCount(signal) === 1) process.exit(130);
};
process.on('SIGINT', interruptedEarly);
process.on('SIGTERM', interruptedEarly);

// A password in a Redis URL argument would show in `ps` for as long as the command runs:
// rewrite the process's command line at once (main.ts warns and says what to use instead).
const shown = process.argv.slice(2).map((a) => a.replace(/(rediss?:\/\/[^:@/\s]*:)[^@/\s]+@/g, '$1***@'));
if (shown.some((a, i) => a !== process.argv[i + 2])) process.title = ['asp', ...shown].join(' ');

if (process.env.ASP_FROM_SOURCE !== '1' && distState() === 'fresh') {
  await import(pathToFileURL(DIST_ENTRY).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./entry.ts');
}
