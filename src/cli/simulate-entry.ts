// `asp simulate` as its own entry: the build bundles it into one file,
// dist/cli/simulate-bundle.js, which loads in a fraction of the time of the
// same modules one by one (BullMQ alone is some 200); entry.ts hands
// `simulate` to it. The command's errors become its exit status here, inside
// the bundle (its error classes are its own). Arguments: [simulate] <scenario> [options].
import { watchParent } from './parent-watch.ts';
import { PROCESS_IO, runCommand } from './run-command.ts';
import { runSimulateCommand } from './simulate-command.ts';

// Stop (as on SIGTERM) when the process that started asp is gone, e.g. `npm run` killed by `timeout`.
watchParent();
const args = process.argv.slice(2);
process.exitCode = await runCommand('simulate', async () => runSimulateCommand, args[0] === 'simulate' ? args.slice(1) : args, PROCESS_IO);
