import { estimationAccuracy, type AccuracyRecord, type AccuracyReport } from '../probe/index.ts';
import type { LoadedScenario } from '../scenario/scenario-loader.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import { errorMessage } from '../errors.ts';
import type { RunLayout } from './run-layout.ts';
import type { CycleCalendar } from './sim-calendar.ts';

/** What a person (or `--json`) gets at the end of a run. */
export interface TaskSummaryRow {
  taskId: string;
  cycle: number;
  state: 'done' | 'failed';
  failure?: string;
  reviewRounds: number;
  sizeMethod?: string;
  estSize?: number;
  sizeLpi70?: number;
  sizeUpi70?: number;
  actualSize: number;
  timeMethod?: string;
  estMinutes?: number;
  timeLpi70?: number;
  timeUpi70?: number;
  actualMinutes: number;
  injected: number;
  found: number;
  escaped: number;
}

export interface CycleSummary {
  cycle: number;
  name: string;
  tasks: number;
  done: number;
  failed: number;
  simStartMin: number;
  simEndMin: number;
  cycleMinutes: number;
  utilisation: CycleCalendar['utilisation'];
  accuracy: AccuracyReport;
}

export interface RunSummary {
  runId: string;
  scenario: string;
  scenarioFile: string;
  seed: string | number;
  runtime: string;
  workspace: string;
  status: 'completed' | 'failed' | 'interrupted';
  digest: string;
  wallMs: number;
  totals: {
    tasks: number;
    done: number;
    failed: number;
    reviewRounds: number;
    defectsInjected: number;
    defectsFoundInReview: number;
    defectsFoundInAcceptance: number;
    defectsEscaped: number;
    /** Share of injected defects removed before acceptance (PSP review yield). */
    reviewYield: number | null;
    simMinutes: number;
    costUsd: number;
  };
  cycles: CycleSummary[];
  accuracy: AccuracyReport;
  tasks: TaskSummaryRow[];
  /** Tasks beyond this many are counted but not listed. */
  tasksListed: number;
  paths: { database: string; runDir: string; log: string; workspace: string | null };
  error?: string;
}

const MAX_ROWS = 200;

export class RunSummaryBuilder {
  private readonly rows: TaskSummaryRow[] = [];
  private readonly cycles: CycleSummary[] = [];
  private readonly records: AccuracyRecord[] = [];
  private readonly totals: RunSummary['totals'] = {
    tasks: 0, done: 0, failed: 0, reviewRounds: 0, defectsInjected: 0, defectsFoundInReview: 0,
    defectsFoundInAcceptance: 0, defectsEscaped: 0, reviewYield: null, simMinutes: 0, costUsd: 0,
  };
  private error: string | undefined;

  constructor(
    private readonly runId: string,
    private readonly loaded: LoadedScenario,
    private readonly scenario: Scenario,
    private readonly layout: RunLayout,
  ) {}

  addCycle(index: number, name: string, outcomes: readonly TaskOutcome[], calendar: CycleCalendar): void {
    const cycleRecords: AccuracyRecord[] = [];
    for (const o of outcomes) {
      if (!o) continue;
      this.totals.tasks++;
      if (o.state === 'done') this.totals.done++;
      else this.totals.failed++;
      this.totals.reviewRounds += o.reviewRounds;
      this.totals.defectsInjected += o.injected.length;
      this.totals.defectsFoundInReview += o.removed.filter((d) => d.phaseRemoved === 'code-review').length;
      this.totals.defectsFoundInAcceptance += o.removed.filter((d) => d.phaseRemoved === 'acceptance-test').length;
      this.totals.defectsEscaped += o.escaped.length;
      if (o.estimate && o.state === 'done') cycleRecords.push({ estimate: o.estimate, actualSize: o.actualSize, actualMinutes: o.actualMinutes });
      if (this.rows.length < MAX_ROWS) this.rows.push(row(o));
    }
    this.records.push(...cycleRecords);
    this.totals.simMinutes = calendar.endMin;
    this.cycles.push({
      cycle: index + 1,
      name,
      tasks: outcomes.filter(Boolean).length,
      done: outcomes.filter((o) => o?.state === 'done').length,
      failed: outcomes.filter((o) => o?.state === 'failed').length,
      simStartMin: calendar.startMin,
      simEndMin: calendar.endMin,
      cycleMinutes: Math.round((calendar.endMin - calendar.startMin) * 10) / 10,
      utilisation: calendar.utilisation,
      accuracy: estimationAccuracy(cycleRecords),
    });
  }

  addCost(usd: number): void {
    this.totals.costUsd += usd;
  }

  setError(err: unknown): void {
    this.error = errorMessage(err);
  }

  build(status: RunSummary['status'], digest: string, wallMs: number): RunSummary {
    const t = this.totals;
    const removedBeforeAcceptance = t.defectsFoundInReview;
    return {
      runId: this.runId,
      scenario: this.scenario.name,
      scenarioFile: this.loaded.file,
      seed: this.scenario.seed,
      runtime: this.scenario.runtime,
      workspace: this.scenario.workspace,
      status,
      digest,
      wallMs,
      totals: { ...t, reviewYield: t.defectsInjected > 0 ? round(removedBeforeAcceptance / t.defectsInjected, 3) : null, simMinutes: round(t.simMinutes, 1) },
      cycles: this.cycles,
      accuracy: estimationAccuracy(this.records),
      tasks: this.rows,
      tasksListed: this.rows.length,
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
