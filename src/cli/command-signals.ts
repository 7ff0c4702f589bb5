import type { CommandIo } from './command-io.ts';

export interface CommandSignals {
  /** Aborted on the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Removes the handlers (safe to call twice). */
  dispose(): void;
}

/**
 * A long command's SIGINT/SIGTERM handling: the first signal stops the work
 * (no new tasks, in-flight steps finish, everything is cleaned up); a second
 * one exits at once with 130.
 */
export function commandSignals(io: CommandIo): CommandSignals {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr(`\n${signal}: stopping — no new tasks; finishing in-flight steps and cleaning up (again to force)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
