import type { PersonaName } from '../personas.ts';

export interface BatchItem {
  id: string;
  data: unknown;
}

/**
 * Gathers the steps of each persona that become ready in the same turn of
 * the event loop (one read of the completion stream settles many steps, and
 * their tasks ask for their next steps at once) and hands them on together:
 * at the next setImmediate, or as soon as `max` of one persona are waiting.
 */
export class StepBatcher {
  private readonly waiting = new Map<PersonaName, BatchItem[]>();
  private scheduled: NodeJS.Immediate | undefined;

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
    this.scheduled ??= setImmediate(() => this.flushAll());
  }

  private flushAll(): void {
    this.scheduled = undefined;
    const all = [...this.waiting];
    this.waiting.clear();
    for (const [persona, items] of all) this.flush(persona, items);
  }

  /** Drops whatever waits (the dispatcher closed: its steps are failed already). */
  clear(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.waiting.clear();
  }
}
