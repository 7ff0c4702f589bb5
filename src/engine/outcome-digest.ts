import { createHash } from 'node:crypto';
import type { TaskOutcome } from '../workflow/task-types.ts';

/** JSON with object keys sorted, so equal values always serialize the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** Hash of one task's final state: estimate, sizes, defects, times, state. */
export function taskDigest(outcome: TaskOutcome): string {
  return createHash('sha256').update(canonicalJson(outcome)).digest('hex');
}

/**
 * The run's outcome digest: independent of completion order, listener count
 * and wall-clock time. Per-task hashes are combined with XOR, so the digest
 * is built in constant memory however many tasks a run has.
 */
export class OutcomeDigest {
  private readonly acc = Buffer.alloc(32);
  private tasks = 0;

  /** As a run observer: every finished task is added. */
  taskFinished(outcome: TaskOutcome): void {
    this.add(outcome);
  }

  add(outcome: TaskOutcome): void {
    const h = createHash('sha256').update(`${outcome.taskId}\n${taskDigest(outcome)}`).digest();
    for (let i = 0; i < 32; i++) this.acc[i] = (this.acc[i] ?? 0) ^ (h[i] ?? 0);
    this.tasks++;
  }

  value(): string {
    return createHash('sha256').update(this.acc).update(String(this.tasks)).digest('hex');
  }
}
