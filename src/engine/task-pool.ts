/**
 * Runs `work` over a stream of items. Closed model: at most `limit` in
 * flight. Open model (`arrivalRate` tasks per second): item i starts at
 * i / arrivalRate seconds, still capped at `limit` in flight. Items are pulled
 * lazily, so a stream of a million tasks is never held in memory. Stops
 * taking new items on abort; the first error is rethrown after the in-flight
 * work settles.
 *
 * A finished item wakes the loop directly: nothing waits on every item in
 * flight (a `Promise.race` over them would cost O(limit) per item).
 */
export interface PoolOptions {
  limit: number;
  arrivalRate?: number;
  signal?: AbortSignal;
}

export async function runPool<T>(items: Iterable<T>, options: PoolOptions, work: (item: T, index: number) => Promise<void>): Promise<void> {
  const limit = Math.max(1, options.limit);
  const iterator = items[Symbol.iterator]();
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const settled = () => {
    inFlight--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const slotFreed = () => new Promise<void>((resolve) => (wake = resolve));
  const started = Date.now();
  for (let index = 0; ; index++) {
    if (options.signal?.aborted || failure !== undefined) break;
    if (options.arrivalRate && options.arrivalRate > 0) {
      const due = started + (index * 1000) / options.arrivalRate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait, options.signal);
    }
    while (inFlight >= limit) await slotFreed();
    if (options.signal?.aborted || failure !== undefined) break;
    const next = iterator.next();
    if (next.done) break;
    inFlight++;
    work(next.value, index)
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(settled);
  }
  while (inFlight > 0) await slotFreed();
  if (failure !== undefined) throw failure;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
