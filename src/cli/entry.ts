// The command's entry point: `asp <command> [options]` (compiled to dist/cli/entry.js).
// `listen` and `simulate` go to their own entries: the one-file bundles the
// build makes of them (dist/cli/<command>-bundle.js) when there are, else
// their modules (from the sources, or a build without esbuild).
import { existsSync } from 'node:fs';

const command = process.argv[2];
const bundle = command === 'listen' || command === 'simulate' ? new URL(`./${command}-bundle.js`, import.meta.url) : undefined;

if (bundle && existsSync(bundle)) await import(bundle.href);
else if (command === 'listen') await import('./listen-entry.ts');
else {
  const { watchParent } = await import('./parent-watch.ts');
  const { main } = await import('./main.ts');
  // Stop (as on SIGTERM) when the process that started asp is gone, e.g. `npm run` killed by `timeout`.
  watchParent();
  process.exitCode = await main(process.argv.slice(2));
}
