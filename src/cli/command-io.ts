import { AspError } from '../errors.ts';

/**
 * What every command shares: where its output goes and how it reports a bad
 * command line. Commands import these from here, never from main.ts (which
 * imports the commands).
 */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export type Command = (argv: string[], io: CommandIo) => Promise<number>;

/** A bad command line: exit 2, with a hint. */
export function usageError(message: string, hint?: string): AspError {
  return new AspError('USAGE', message, { exitCode: 2, ...(hint ? { hint } : {}) });
}
