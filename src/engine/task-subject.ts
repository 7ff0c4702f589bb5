import { proxySizeFromParts, type RelativeSizeTable } from '../probe/index.ts';
import type { PlannedTask } from '../scenario/task-plan.ts';
import type { TaskSubject } from '../workflow/task-types.ts';

/** What the task machine knows about a planned task: its true proxy size from its parts (or its given proxySize). */
export function subjectOf(task: PlannedTask, tables: Record<string, RelativeSizeTable>): TaskSubject {
  const proxySize = task.parts && task.parts.length > 0 ? Math.round(proxySizeFromParts(tables, task.parts).total * 10) / 10 : (task.proxySize ?? 0);
  return { id: task.id, title: task.title, cycle: task.cycle, requirements: task.requirements, proxySize };
}
