import { describe, expect, it } from 'vitest';
import { runPool } from '../../../src/engine/task-pool.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('runPool', () => {
  it('keeps at most `limit` items in flight, starts them in order and finishes them all', async () => {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    await runPool(
      Array.from({ length: 50 }, (_, i) => i),
      { limit: 7 },
      async (item, index) => {
        expect(item).toBe(index);
        started.push(item);
        inFlight++;
        peak = Math.max(peak, inFlight);
        for (let t = 0; t < 1 + (item % 4); t++) await tick();
        inFlight--;
      },
    );
    expect(peak).toBe(7);
    expect(inFlight).toBe(0);
    expect(started).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('pulls items lazily: an endless stream is read only as far as the work gets', async () => {
    let pulled = 0;
    function* endless() {
      for (;;) yield pulled++;
    }
    const stop = new AbortController();
    let done = 0;
    await runPool(endless(), { limit: 3, signal: stop.signal }, async () => {
      await tick();
      if (++done === 10) stop.abort();
    });
    expect(done).toBeGreaterThanOrEqual(10);
    expect(pulled).toBeLessThanOrEqual(10 + 3);
  });

  it('rethrows the first error once the items in flight have settled, and starts no new one', async () => {
    const settled: number[] = [];
    const err = await runPool([0, 1, 2, 3, 4, 5, 6, 7], { limit: 3 }, async (item) => {
      await tick();
      if (item === 1) throw new Error('item 1 failed');
      await tick();
      settled.push(item);
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('item 1 failed');
    // 0 and 2 were in flight with 1: they finished; the failure is seen before 1's slot is free, so 3 never started.
    expect(settled.sort()).toEqual([0, 2]);
  });
});
