import type { Logger } from '../logger.ts';

/**
 * Runs cleanup steps in order; a failing or hanging step (e.g. Redis gone)
 * is logged and does not skip the rest.
 */
export async function cleanup(log: Logger, steps: Array<[string, () => Promise<unknown>]>, stepTimeoutMs = 20_000): Promise<void> {
  for (const [name, step] of steps) {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        step(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${stepTimeoutMs} ms`)), stepTimeoutMs);
        }),
      ]);
      log.debug({ step: name, ms: Date.now() - t0 }, 'cleanup step done');
    } catch (err) {
      log.warn({ err, step: name }, 'cleanup step failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
