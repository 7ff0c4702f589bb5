import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './main.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's options strictly (positionals allowed); an unknown or
 * malformed option is a usage error (exit 2) that points at the help.
 */
export function parseCommandArgs<const O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError((err as Error).message, `see \`asp ${command} --help\``);
  }
}
