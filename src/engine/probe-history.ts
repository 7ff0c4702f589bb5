import type { ProbeHistoryPoint } from '../probe/index.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';

/** The PROBE history window: the most recent points passed to an estimate. */
export const HISTORY_WINDOW = 200;
/** Of each cycle, the tasks (in plan order) whose done outcomes may enter the window. */
export const TAIL_TASKS = HISTORY_WINDOW * 2;

/**
 * The PROBE history a run's estimates see: the scenario's seeded history,
 * then the done tasks of every earlier cycle in plan order. Shared by the
 * runner and the replayer so both build exactly the same estimate inputs.
 */
export class ProbeHistory {
  private points: ProbeHistoryPoint[];

  constructor(scenario: Pick<Scenario, 'history'>) {
    this.points = scenario.history.points.map((p) => ({
      proxySize: p.proxySize,
      ...(p.planSize !== undefined ? { planSize: p.planSize } : {}),
      actualSize: p.actualSize,
      actualMinutes: p.actualMinutes ?? (p.actualHours ?? 0) * 60,
    }));
  }

  /** The history every task of the next cycle estimates with. */
  forCycle(): ProbeHistoryPoint[] {
    return this.points.slice(-HISTORY_WINDOW);
  }

  /**
   * Adds a finished cycle's outcomes, indexed by plan order (holes are
   * skipped). Only the cycle's last TAIL_TASKS tasks can reach the window, so
   * only those are read: a lean run keeps just them and gets the same history.
   */
  addCycle(outcomes: ReadonlyArray<TaskOutcome | undefined>): void {
    const tail = outcomes.slice(-TAIL_TASKS).filter((o): o is TaskOutcome => o !== undefined);
    this.points = this.points.concat(tail.filter((o) => o.state === 'done' && o.estimate && o.actualSize > 0).map(historyPoint));
    if (this.points.length > HISTORY_WINDOW * 2) this.points = this.points.slice(-HISTORY_WINDOW);
  }
}

export function historyPoint(o: TaskOutcome): ProbeHistoryPoint {
  return { proxySize: o.estimate?.proxySize ?? 0, planSize: o.estimate?.size.projected ?? 0, actualSize: o.actualSize, actualMinutes: o.actualMinutes };
}
