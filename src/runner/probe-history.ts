import type { ProbeHistoryPoint } from '../probe/index.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';

/** The PROBE history window: the most recent points passed to an estimate. */
export const HISTORY_WINDOW = 200;

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

  /** Adds a finished cycle's outcomes (indexed by plan order; holes are skipped). */
  addCycle(outcomes: readonly TaskOutcome[]): void {
    this.points = this.points.concat(outcomes.filter((o) => o.state === 'done' && o.estimate && o.actualSize > 0).map(historyPoint));
    if (this.points.length > HISTORY_WINDOW * 2) this.points = this.points.slice(-HISTORY_WINDOW);
  }
}

export function historyPoint(o: TaskOutcome): ProbeHistoryPoint {
  return { proxySize: o.estimate?.proxySize ?? 0, planSize: o.estimate?.size.projected ?? 0, actualSize: o.actualSize, actualMinutes: o.actualMinutes };
}
