import type { Command, CommandIo } from './command-io.ts';
import { finishCommand } from './exit-status.ts';

/** The process's own stdout and stderr. */
export const PROCESS_IO: CommandIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/**
 * Runs one command as every entry does: the Redis URL arguments resolved
 * (`--redis-url-file`), then the command; an error becomes the exit status
 * (exit-status.ts), the same for every command.
 */
export async function runCommand(name: string, load: () => Promise<Command>, argv: string[], io: CommandIo): Promise<number> {
  try {
    const { resolveRedisUrlArgs } = await import('./redis-url-args.ts');
    return await (
      await load()
    )(resolveRedisUrlArgs(argv, io.stderr), io);
  } catch (err) {
    return finishCommand(name, { error: err }, io);
  }
}
