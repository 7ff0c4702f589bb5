import { describe, expect, it } from 'vitest';
import type { PersonaName } from '../../../src/personas.ts';
import { DEFAULT_BATCH_STEPS, MAX_BATCH_STEPS, batchJobId, batchStepsFromEnv } from '../../../src/queue/step-batch.ts';
import { BATCH_WAIT_MS, StepBatcher, type BatchItem } from '../../../src/queue/step-batcher.ts';

const nextTurn = () => new Promise((r) => setTimeout(r, BATCH_WAIT_MS + 5));

describe('step batches', () => {
  it('gathers the steps of a turn per persona, and sends a full batch at once', async () => {
    const sent: Array<[PersonaName, string[]]> = [];
    const batcher = new StepBatcher(3, (persona, items: BatchItem[]) => sent.push([persona, items.map((i) => i.id)]));
    for (const id of ['a1', 'a2']) batcher.push('alex', { id, data: id });
    batcher.push('sarah', { id: 's1', data: 's1' });
    expect(sent).toEqual([]);
    batcher.push('alex', { id: 'a3', data: 'a3' });
    expect(sent).toEqual([['alex', ['a1', 'a2', 'a3']]]);
    batcher.push('alex', { id: 'a4', data: 'a4' });
    await nextTurn();
    expect(sent).toEqual([
      ['alex', ['a1', 'a2', 'a3']],
      ['sarah', ['s1']],
      ['alex', ['a4']],
    ]);
    batcher.push('jordan', { id: 'j1', data: 'j1' });
    batcher.clear();
    await nextTurn();
    expect(sent).toHaveLength(3);
  });

  it('names a batch after its steps', () => {
    expect(batchJobId(['r.a.define.0', 'r.b.define.0'])).toBe(batchJobId(['r.a.define.0', 'r.b.define.0']));
    expect(batchJobId(['r.a.define.0', 'r.b.define.0'])).not.toBe(batchJobId(['r.b.define.0', 'r.a.define.0']));
    expect(batchJobId(['r.a.define.0'])).toMatch(/^batch\.[0-9a-f]{24}$/);
  });

  it('reads its size from ASP_STEP_BATCH', () => {
    expect(batchStepsFromEnv({})).toBe(DEFAULT_BATCH_STEPS);
    expect(batchStepsFromEnv({ ASP_STEP_BATCH: '1' })).toBe(1);
    expect(batchStepsFromEnv({ ASP_STEP_BATCH: '8' })).toBe(8);
    expect(batchStepsFromEnv({ ASP_STEP_BATCH: '100000' })).toBe(MAX_BATCH_STEPS);
    expect(batchStepsFromEnv({ ASP_STEP_BATCH: 'x' })).toBe(DEFAULT_BATCH_STEPS);
  });
});
