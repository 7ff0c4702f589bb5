#!/usr/bin/env node
// The `asp` command. Registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
// Stop (as on SIGTERM) when the process that started asp is gone, e.g. `npm run` killed by `timeout`.
(await import('./parent-watch.ts')).watchParent();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
