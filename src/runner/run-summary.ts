import { agentCommand, commandPersonas, hasCommandAgent } from '../agents/agent-team.ts';
import { estimationAccuracy, type AccuracyRecord } from '../probe/index.ts';
import type { LoadedScenario } from '../scenario/scenario-loader.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import { errorMessage } from '../errors.ts';
import type { RunLayout } from './run-layout.ts';
import type { RunObserver } from '../engine/run-observer.ts';
import type { CycleSummary, RunSummary, TaskSummaryRow } from '../engine/run-summary-types.ts';
import type { CycleCalendar } from '../engine/sim-calendar.ts';

const MAX_ROWS = 200;
/** In lean runs, accuracy is computed over at most the last this-many tasks (plan order) of each cycle and of the run. */
const LEAN_ACCURACY_WINDOW = 10_000;

interface CycleAccumulator {
  tasks: number;
  done: number;
  failed: number;
  /** Accuracy records by plan index within the cycle (completion order would vary). */
  records: AccuracyRecord[];
  /** Lean runs keep only records from this plan index on. */
  keepFrom: number;
}

/**
 * Builds the run summary one task at a time, so a run never needs to hold
 * its outcomes: counters, the first rows, and compact accuracy records.
 */
export class RunSummaryBuilder implements RunObserver {
  /** Rows of the first MAX_ROWS tasks in plan order, by position. */
  private readonly rows: TaskSummaryRow[] = [];
  private readonly cycles: CycleSummary[] = [];
  private records: AccuracyRecord[] = [];
  private cycle: CycleAccumulator = { tasks: 0, done: 0, failed: 0, records: [], keepFrom: 0 };
  private readonly totals: RunSummary['totals'] = {
    tasks: 0,
    done: 0,
    failed: 0,
    failedBy: {},
    reviewRounds: 0,
    defectsInjected: 0,
    defectsFoundInReview: 0,
    defectsFoundInAcceptance: 0,
    defectsEscaped: 0,
    reviewYield: null,
    simMinutes: 0,
    costUsd: 0,
  };
  private error: string | undefined;

  constructor(
    private readonly runId: string,
    private readonly loaded: LoadedScenario,
    private readonly scenario: Scenario,
    private readonly layout: RunLayout,
    private readonly lean = false,
  ) {}

  startCycle(size: number): void {
    this.cycle = { tasks: 0, done: 0, failed: 0, records: [], keepFrom: this.lean ? size - LEAN_ACCURACY_WINDOW : 0 };
  }

  /**
   * `index`: the task's place in its cycle's plan; `position`: in the run's
   * plan. Tables and accuracy read in plan order, never completion order.
   */
  addTask(o: TaskOutcome, index: number, position: number): void {
    const t = this.totals;
    t.tasks++;
    this.cycle.tasks++;
    if (o.state === 'done') {
      t.done++;
      this.cycle.done++;
    } else {
      t.failed++;
      this.cycle.failed++;
      const reason = o.failure?.reason ?? 'step-failed';
      t.failedBy[reason] = (t.failedBy[reason] ?? 0) + 1;
    }
    t.reviewRounds += o.reviewRounds;
    t.defectsInjected += o.injected.length;
    for (const d of o.removed) {
      if (d.phaseRemoved === 'code-review') t.defectsFoundInReview++;
      else if (d.phaseRemoved === 'acceptance-test') t.defectsFoundInAcceptance++;
    }
    t.defectsEscaped += o.escaped.length;
    if (o.estimate && o.state === 'done' && index >= this.cycle.keepFrom) this.cycle.records[index] = compactRecord(o);
    if (position < MAX_ROWS) this.rows[position] = row(o);
  }

  /** Closes the current cycle; `calendar` is null in lean runs (no simulated calendar). */
  finishCycle(index: number, name: string, calendar: CycleCalendar | null): void {
    const c = this.cycle;
    const records = c.records.filter(Boolean);
    this.records = this.records.concat(records);
    if (this.lean && this.records.length > LEAN_ACCURACY_WINDOW) this.records = this.records.slice(-LEAN_ACCURACY_WINDOW);
    if (calendar) this.totals.simMinutes = calendar.endMin;
    this.cycles.push({
      cycle: index + 1,
      name,
      tasks: c.tasks,
      done: c.done,
      failed: c.failed,
      simStartMin: calendar?.startMin ?? 0,
      simEndMin: calendar?.endMin ?? 0,
      cycleMinutes: calendar ? Math.round((calendar.endMin - calendar.startMin) * 10) / 10 : 0,
      utilisation: calendar?.utilisation ?? { jordan: 0, alex: 0, sarah: 0 },
      accuracy: estimationAccuracy(records),
    });
  }

  addCost(usd: number): void {
    this.totals.costUsd += usd;
  }

  // As an observer of the run's events.
  cycleStarted({ size }: { size: number }): void {
    this.startCycle(size);
  }

  taskFinished(o: TaskOutcome, at: { index: number; position: number }): void {
    this.addTask(o, at.index, at.position);
  }

  cycleFinished(info: { cycle: number; name: string; calendar: CycleCalendar | null }): void {
    this.finishCycle(info.cycle, info.name, info.calendar);
  }

  resultReceived({ envelope }: { envelope: { result: { cost: { usd: number } } } }): void {
    this.addCost(envelope.result.cost.usd);
  }

  setError(err: unknown): void {
    this.error = errorMessage(err);
  }

  build(status: RunSummary['status'], digest: string, wallMs: number): RunSummary {
    const t = this.totals;
    return {
      runId: this.runId,
      scenario: this.scenario.name,
      scenarioFile: this.loaded.file,
      seed: this.scenario.seed,
      runtime: this.scenario.runtime,
      workspace: this.scenario.workspace,
      status,
      digest,
      deterministic: !hasCommandAgent(this.scenario),
      commandAgents: Object.fromEntries(commandPersonas(this.scenario).map((p) => [p, agentCommand(this.scenario.personas[p].agent)])),
      wallMs,
      totals: {
        ...t,
        failedBy: { ...t.failedBy },
        reviewYield: t.defectsInjected > 0 ? round(t.defectsFoundInReview / t.defectsInjected, 3) : null,
        simMinutes: round(t.simMinutes, 1),
        costUsd: round(t.costUsd, 4),
      },
      cycles: this.cycles,
      accuracy: estimationAccuracy(this.records),
      tasks: this.rows.filter(Boolean),
      tasksListed: this.rows.filter(Boolean).length,
      paths: {
        database: this.layout.dbPath,
        runDir: this.layout.runDir,
        log: this.layout.logFile,
        workspace: this.scenario.workspace === 'git' ? this.layout.workspaceDir : null,
      },
      ...(this.error ? { error: this.error } : {}),
    };
  }
}

/** Only what the accuracy figures read, so thousands of records stay small. */
function compactRecord(o: TaskOutcome): AccuracyRecord {
  const e = o.estimate!;
  const part = (p: typeof e.size) => ({ projected: p.projected, r2: p.r2, intervals: p.intervals.map((i) => ({ percent: i.percent, lpi: i.lpi, upi: i.upi })) });
  return { estimate: { size: part(e.size), time: part(e.time) }, actualSize: o.actualSize, actualMinutes: o.actualMinutes };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function row(o: TaskOutcome): TaskSummaryRow {
  const e = o.estimate;
  const s70 = e?.size.intervals.find((i) => i.percent === 70);
  const t70 = e?.time.intervals.find((i) => i.percent === 70);
  return {
    taskId: o.taskId,
    cycle: o.cycle + 1,
    state: o.state,
    ...(o.failure ? { failure: `${o.failure.reason}: ${o.failure.message}` } : {}),
    reviewRounds: o.reviewRounds,
    ...(e
      ? {
          sizeMethod: e.size.method,
          estSize: round(e.size.projected, 1),
          timeMethod: e.time.method,
          estMinutes: round(e.time.projected, 1),
          ...(s70 ? { sizeLpi70: round(s70.lpi, 1), sizeUpi70: round(s70.upi, 1) } : {}),
          ...(t70 ? { timeLpi70: round(t70.lpi, 1), timeUpi70: round(t70.upi, 1) } : {}),
        }
      : {}),
    actualSize: o.actualSize,
    actualMinutes: round(o.actualMinutes, 1),
    injected: o.injected.length,
    found: o.removed.length,
    escaped: o.escaped.length,
  };
}
