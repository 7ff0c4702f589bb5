// The listener's own entry: `asp listen` as the runtimes start it, with only
// what a listener needs (no command table, no other command's modules). The
// build bundles it into one file, dist/cli/listen-bundle.js, which starts in
// a fraction of the time of the same modules loaded one by one; entry.ts
// hands `listen` to it. Arguments: [listen] [--persona <p>].
import { runListenCommand } from './listen-command.ts';
import { watchParent } from './parent-watch.ts';
import { PROCESS_IO, runCommand } from './run-command.ts';

watchParent();
const args = process.argv.slice(2);
process.exitCode = await runCommand('listen', async () => runListenCommand, args[0] === 'listen' ? args.slice(1) : args, PROCESS_IO);
