import { openTelemetryStore } from './open-store.ts';
import { estimateData, type EstimateData } from './estimate-queries.ts';
import { costByPersona, defectFlow, timeInPhase, type DefectFlow, type PersonaCost, type PhaseTimeRow } from './phase-queries.ts';
import { cycleStats, listRuns, runRow, type CycleStats, type ReadableStore, type RunListRow } from './run-queries.ts';
import { queueThroughput, type QueueThroughput } from './throughput-queries.ts';

/**
 * Cycle tracking and aggregation for one run: everything the dashboard, the
 * JSON API and the static report show, computed from the telemetry database
 * alone (pure SQL over the store's read-only `query()`).
 */
export type { ReadableStore, RunListRow } from './run-queries.ts';

export interface CycleView extends CycleStats {
  defects: DefectFlow;
  timeInPhase: PhaseTimeRow[];
}

export interface RunDashboardData {
  run: RunListRow;
  cycles: CycleView[];
  timeInPhase: PhaseTimeRow[];
  defects: DefectFlow;
  estimates: EstimateData;
  cost: PersonaCost[];
  throughput: QueueThroughput;
  generatedAt: string;
}

export { listRuns };

/** Everything about one run; undefined when the database has no such run. */
export function runDashboardData(db: ReadableStore, runId: string): RunDashboardData | undefined {
  const run = runRow(db, runId);
  if (!run) return undefined;
  const phases = timeInPhase(db, runId);
  const cycles = cycleStats(db, runId).map((c) => ({
    ...c,
    defects: defectFlow(db, runId, c.cycle),
    timeInPhase: phases.byCycle.filter((p) => p.cycle === c.cycle),
  }));
  return {
    run,
    cycles,
    timeInPhase: phases.total,
    defects: defectFlow(db, runId),
    estimates: estimateData(db, runId),
    cost: costByPersona(db, runId),
    throughput: queueThroughput(db, runId),
    generatedAt: new Date().toISOString(),
  };
}

/** Opens the database read-only for the length of `fn` (reports written after a run). */
export function withReadOnlyStore<T>(dbPath: string, fn: (db: ReadableStore) => T): T {
  const store = openTelemetryStore(dbPath, { readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
