import { AspError, ExitCode, errorMessage, exitCodeOf, isAspError, type ExitCodeValue } from '../errors.ts';
import { terminalSafe } from '../report/terminal-text.ts';
import type { CommandIo } from './command-io.ts';

/**
 * The one place where a command's result becomes the process's exit status,
 * the same for every command (simulate, load, regress, replay, experiment):
 *
 *   0   the work ran to its end and every `expect:` / `--threshold` held
 *       (a simulated task failing is an outcome of the simulation, not an error)
 *   1   a threshold or expectation failed (stderr says which)
 *   2   bad input or missing environment; nothing was written
 *   3   the engine or its infrastructure failed during the run (the error says how to resume)
 *   130 interrupted (SIGINT / SIGTERM)
 */
export const EXIT_CODE_HELP = `Exit status (the same for every command):
  0    ran to its end and every expect:/--threshold held (simulated task failures are outcomes, not errors)
  1    a threshold or expectation failed (stderr names it)
  2    bad input or missing environment (Redis, Docker); nothing was written
  3    the engine or its infrastructure failed during the run; the error says how to resume
  130  interrupted (SIGINT/SIGTERM)
`;

/** One threshold, expectation or replay check and whether it held. */
export interface Check {
  expression: string;
  pass: boolean;
  /** What the run gave, as shown to a person. */
  actual?: string | number | null;
}

/** What a command did: it ran (to its end or until interrupted), or an error stopped it. */
export type CommandOutcome =
  | { interrupted?: boolean; checks?: readonly Check[]; error?: undefined }
  | { interrupted?: boolean; error: unknown; /** How to resume the run the error stopped (said when the error does not). */ resume?: string };

/** The exit status of a command's outcome; interruption wins, then errors, then failed checks. */
export function exitStatus(outcome: CommandOutcome): ExitCodeValue {
  if (outcome.interrupted) return ExitCode.INTERRUPTED;
  if (outcome.error !== undefined) return exitCodeOf(outcome.error) as ExitCodeValue;
  return 'checks' in outcome && outcome.checks?.some((c) => !c.pass) ? ExitCode.THRESHOLD_FAILED : ExitCode.OK;
}

/**
 * Maps a command's outcome to its exit status and tells the person why when
 * it is not 0: the failed checks by name, the error with its fix.
 */
export function finishCommand(command: string, outcome: CommandOutcome, io: CommandIo, what = 'threshold'): ExitCodeValue {
  const code = exitStatus(outcome);
  if (code === ExitCode.INTERRUPTED) io.stderr(`${command}: interrupted (exit 130)\n`);
  else if (outcome.error !== undefined) {
    const described = describeError(outcome.error);
    io.stderr(terminalSafe(described));
    const resume = 'resume' in outcome ? outcome.resume : undefined;
    if (code === ExitCode.INFRASTRUCTURE && resume && !described.includes('--resume')) io.stderr(`  resume: ${resume}\n`);
  } else if (code === ExitCode.THRESHOLD_FAILED && 'checks' in outcome && outcome.checks) {
    const failed = outcome.checks.filter((c) => !c.pass);
    const list = failed.map((c) => `${c.expression}${c.actual === undefined ? '' : ` (actual ${c.actual ?? 'no data'})`}`).join('; ');
    io.stderr(`${command}: ${failed.length} of ${outcome.checks.length} ${what}${outcome.checks.length === 1 ? '' : 's'} failed: ${list}\n`);
  }
  return code;
}

/** The error as a person reads it: what, and for AspErrors how to fix or resume. */
export function describeError(err: unknown): string {
  if (isAspError(err)) {
    const kind = err.exitCode === ExitCode.INFRASTRUCTURE ? ' (engine or infrastructure failure, exit 3)' : '';
    return `error: ${err.describe()}${kind}\n`;
  }
  const stack = process.env.ASP_DEBUG && err instanceof Error ? `\n${err.stack ?? ''}` : '';
  return `error: ${errorMessage(err)} (engine failure, exit 3; ASP_DEBUG=1 shows the stack)${stack}\n`;
}

/** An error that surfaced because the user stopped the run is an interruption, not a failure. */
export function interruptedError(cause: unknown): AspError {
  return new AspError('INTERRUPTED', 'interrupted', { cause });
}
