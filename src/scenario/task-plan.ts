import { createRandom } from '../prng.ts';
import type { PartSpec, Scenario } from './scenario-schema.ts';

/** One task as the runner schedules it: cycle number assigned, generated tasks expanded. */
export interface PlannedTask {
  id: string;
  title: string;
  cycle: number;
  requirements: string[];
  parts?: PartSpec[];
  proxySize?: number;
}

export interface PlannedCycle {
  index: number;
  name: string;
  /** Number of tasks; `tasks()` streams them so huge generated cycles are never held in memory. */
  size: number;
  tasks(): Iterable<PlannedTask>;
}

/** Expands the scenario's cycles into a deterministic task plan. */
export function planCycles(scenario: Scenario): PlannedCycle[] {
  return scenario.cycles.map((cycle, index) => {
    const name = cycle.name ?? `Cycle ${index + 1}`;
    const generate = cycle.generate;
    const explicit = cycle.tasks;
    const size = explicit.length + (generate?.count ?? 0);
    return {
      index,
      name,
      size,
      *tasks(): Iterable<PlannedTask> {
        for (const task of explicit) {
          yield { id: task.id, title: task.title, cycle: index, requirements: task.requirements, parts: task.parts, proxySize: task.proxySize };
        }
        if (generate) {
          for (let i = 0; i < generate.count; i++) {
            const id = generatedTaskId(generate.idPrefix, index, i + 1, generate.count);
            const random = createRandom(scenario.seed, 'generate', id);
            const proxySize = Math.max(5, Math.round(random.logNormal(generate.proxySize.median, generate.proxySize.sigma)));
            yield { id, title: `Generated task ${i + 1} of ${name}`, cycle: index, requirements: [`Deliver ${id} (about ${proxySize} LOC of proxy size)`], proxySize };
          }
        }
      },
    };
  });
}

/** The id of the n-th (1-based) task a cycle's `generate` creates: `<prefix>-c<cycle>-<n>`, n zero-padded to the count's width. */
export function generatedTaskId(prefix: string, cycleIndex: number, n: number, count: number): string {
  return `${prefix}-c${cycleIndex + 1}-${String(n).padStart(String(count).length, '0')}`;
}

export function countTasks(cycles: readonly PlannedCycle[]): number {
  return cycles.reduce((sum, c) => sum + c.size, 0);
}
