// The command's entry point: `asp <command> [options]` (compiled to dist/cli/entry.js).
// `listen` goes to the listener's own entry: the one-file bundle the build
// makes of it (dist/cli/listen-bundle.js) when there is one, else its modules.
import { existsSync } from 'node:fs';

const LISTEN_BUNDLE = new URL('./listen-bundle.js', import.meta.url);

if (process.argv[2] === 'listen') {
  if (existsSync(LISTEN_BUNDLE)) await import(LISTEN_BUNDLE.href);
  else await import('./listen-entry.ts');
} else {
  const { watchParent } = await import('./parent-watch.ts');
  const { main } = await import('./main.ts');
  // Stop (as on SIGTERM) when the process that started asp is gone, e.g. `npm run` killed by `timeout`.
  watchParent();
  process.exitCode = await main(process.argv.slice(2));
}
