// The command's entry point: `asp <command> [options]` (compiled to dist/cli/entry.js).
import { main } from './main.ts';
import { watchParent } from './parent-watch.ts';

// Stop (as on SIGTERM) when the process that started asp is gone, e.g. `npm run` killed by `timeout`.
watchParent();
process.exitCode = await main(process.argv.slice(2));
