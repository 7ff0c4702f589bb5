import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './command-io.ts';

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

/**
 * A whole-number option within [min, max] (the scenario schema's bounds, see
 * scenario-limits.ts), or undefined when not given; anything else is exit 2.
 */
export function intOption(command: string, name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw usageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`, `see \`asp ${command} --help\``);
  }
  return n;
}
