import type { PersonaName } from '../personas.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';

/**
 * The simulated calendar of one cycle, computed after the fact from the
 * tasks' phases: a deterministic list scheduler where each persona works on
 * one step at a time and a task's steps run in order. Ties go to the task
 * listed first, so the calendar never depends on real execution order.
 */
export interface TaskSpan {
  taskId: string;
  startMin: number;
  endMin: number;
}

export interface CycleCalendar {
  startMin: number;
  endMin: number;
  tasks: TaskSpan[];
  /** Busy minutes per persona in this cycle. */
  busy: Record<PersonaName, number>;
  /** Busy share of the cycle's span per persona (0..1). */
  utilisation: Record<PersonaName, number>;
}

export function scheduleCycle(outcomes: ReadonlyArray<Pick<TaskOutcome, 'taskId' | 'phases'>>, startMin: number): CycleCalendar {
  const free: Record<PersonaName, number> = { jordan: startMin, alex: startMin, sarah: startMin };
  const busy: Record<PersonaName, number> = { jordan: 0, alex: 0, sarah: 0 };
  const next = outcomes.map(() => 0);
  const ready = outcomes.map(() => startMin);
  const spans: TaskSpan[] = outcomes.map((o) => ({ taskId: o.taskId, startMin: Number.POSITIVE_INFINITY, endMin: startMin }));
  let remaining = outcomes.reduce((s, o) => s + o.phases.length, 0);
  while (remaining > 0) {
    let best = -1;
    let bestStart = Number.POSITIVE_INFINITY;
    outcomes.forEach((o, i) => {
      const ph = o.phases[next[i] ?? 0];
      if (!ph) return;
      const start = Math.max(ready[i] ?? startMin, free[ph.persona]);
      if (start < bestStart) {
        bestStart = start;
        best = i;
      }
    });
    const outcome = outcomes[best];
    const ph = outcome?.phases[next[best] ?? 0];
    const span = spans[best];
    if (!outcome || !ph || !span) break;
    const end = bestStart + ph.minutes;
    free[ph.persona] = end;
    busy[ph.persona] += ph.minutes;
    ready[best] = end;
    next[best] = (next[best] ?? 0) + 1;
    span.startMin = Math.min(span.startMin, bestStart);
    span.endMin = end;
    remaining--;
  }
  for (const span of spans) if (!Number.isFinite(span.startMin)) span.startMin = startMin;
  const endMin = spans.reduce((m, s) => Math.max(m, s.endMin), startMin);
  const length = endMin - startMin;
  const share = (p: PersonaName) => (length > 0 ? round3(busy[p] / length) : 0);
  return { startMin, endMin, tasks: spans, busy, utilisation: { jordan: share('jordan'), alex: share('alex'), sarah: share('sarah') } };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
