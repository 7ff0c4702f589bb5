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
    this.exitCode = options.exitCode ?? 1;
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

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
