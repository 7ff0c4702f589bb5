import type { PersonaName } from '../personas.ts';

/**
 * How long the first step of a batch waits for others. Measured with `asp
 * bench` (2000 tasks, 64/32 and 256/64): 1 ms gave engine/baseline ratios of
 * 0.69-0.74 / 0.65-0.66, the next turn of the loop (setImmediate) 0.69 / 0.62.
 */
export const BATCH_WAIT_MS = 1;

export interface BatchItem {
  id: string;
  data: unknown;
}

/**
 * Gathers the steps of each persona that become ready within BATCH_WAIT_MS
 * (one read of the completion stream settles many steps, and their tasks ask
 * for their next steps at once; a few reads follow each other closely) and
 * hands them on together: when the wait is over, or as soon as `max` of one
 * persona are waiting.
 */
export class StepBatcher {
  private readonly waiting = new Map<PersonaName, BatchItem[]>();
  private scheduled: NodeJS.Timeout | undefined;

  constructor(
    private readonly max: number,
    private readonly flush: (persona: PersonaName, items: BatchItem[]) => void,
  ) {}

  push(persona: PersonaName, item: BatchItem): void {
    let items = this.waiting.get(persona);
    if (!items) this.waiting.set(persona, (items = []));
    items.push(item);
    if (items.length >= this.max) {
      this.waiting.delete(persona);
      this.flush(persona, items);
      return;
    }
    this.scheduled ??= setTimeout(() => this.flushAll(), BATCH_WAIT_MS);
  }

  private flushAll(): void {
    this.scheduled = undefined;
    const all = [...this.waiting];
    this.waiting.clear();
    for (const [persona, items] of all) this.flush(persona, items);
  }

  /** Drops whatever waits (the dispatcher closed: its steps are failed already). */
  clear(): void {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    this.waiting.clear();
  }
}
