/**
 * One error class for the whole engine. Every error carries a stable string
 * `code`, an exit code for the CLI, and where possible a `hint` telling the
 * user what to do about it.
 */
export type ErrorCode =
  | 'SCENARIO_INVALID'
  | 'SCENARIO_UNREADABLE'
  | 'USAGE'
  | 'REDIS_UNAVAILABLE'
  | 'STEP_FAILED'
  | 'JOB_INVALID'
  | 'RUNTIME_FAILED'
  | 'DOCKER_UNAVAILABLE'
  | 'DATABASE'
  | 'DATABASE_TOO_NEW'
  | 'RECORDING_CORRUPT'
  | 'REPLAY_DIVERGED'
  | 'PROBE_INPUT'
  | 'THRESHOLD_FAILED'
  | 'INTERRUPTED'
  | 'INTERNAL';

/**
 * What the `asp` process's exit status means, the same for every command
 * (simulate, load, regress, replay, experiment, …):
 *
 * - 0  the work ran to its end and every `expect:`/`--threshold` held
 *      (a simulated task failing is an outcome of the simulation, not an error)
 * - 1  a threshold or expectation failed (the output says which)
 * - 2  bad input or missing environment; nothing was written
 * - 3  the engine or its infrastructure failed during the run; resumable
 * - 130 interrupted (SIGINT/SIGTERM)
 */
export const ExitCode = {
  OK: 0,
  THRESHOLD_FAILED: 1,
  BAD_INPUT: 2,
  INFRASTRUCTURE: 3,
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit status an error code stands for, unless the error says otherwise. */
export const DEFAULT_EXIT_CODES: Record<ErrorCode, ExitCodeValue> = {
  SCENARIO_INVALID: ExitCode.BAD_INPUT,
  SCENARIO_UNREADABLE: ExitCode.BAD_INPUT,
  USAGE: ExitCode.BAD_INPUT,
  REDIS_UNAVAILABLE: ExitCode.BAD_INPUT,
  STEP_FAILED: ExitCode.INFRASTRUCTURE,
  JOB_INVALID: ExitCode.BAD_INPUT,
  RUNTIME_FAILED: ExitCode.INFRASTRUCTURE,
  DOCKER_UNAVAILABLE: ExitCode.BAD_INPUT,
  DATABASE: ExitCode.INFRASTRUCTURE,
  DATABASE_TOO_NEW: ExitCode.BAD_INPUT,
  RECORDING_CORRUPT: ExitCode.BAD_INPUT,
  REPLAY_DIVERGED: ExitCode.THRESHOLD_FAILED,
  PROBE_INPUT: ExitCode.BAD_INPUT,
  THRESHOLD_FAILED: ExitCode.THRESHOLD_FAILED,
  INTERRUPTED: ExitCode.INTERRUPTED,
  INTERNAL: ExitCode.INFRASTRUCTURE,
};

export interface AspErrorOptions {
  cause?: unknown;
  hint?: string;
  exitCode?: number;
  details?: Record<string, unknown>;
}

export class AspError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AspErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AspError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? DEFAULT_EXIT_CODES[code];
    this.details = options.details;
  }

  /** The message a person reads: what, where, and what to do. */
  describe(): string {
    return this.hint ? `${this.message}\n  fix: ${this.hint}` : this.message;
  }
}

export function isAspError(err: unknown): err is AspError {
  return err instanceof AspError;
}

/** The exit status an error stands for: an AspError's own, anything else is an engine failure (3). */
export function exitCodeOf(err: unknown): number {
  return isAspError(err) ? err.exitCode : ExitCode.INFRASTRUCTURE;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
