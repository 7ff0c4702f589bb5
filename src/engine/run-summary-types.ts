import type { AccuracyReport } from '../probe/index.ts';
import type { ThresholdResult } from '../thresholds/threshold-evaluator.ts';
import type { FailureReason } from '../workflow/task-types.ts';
import type { CycleCalendar } from './sim-calendar.ts';

/*
 * The shape of a run's summary. The engine's observers hand it around
 * (RunObserver.runEnded); runner/run-summary.ts builds it.
 */

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
  /** False when a persona is a command agent: scenario and seed do not determine the digest. */
  deterministic: boolean;
  /** Persona → its command (`agent.command` joined), for the personas played by command agents. */
  commandAgents: Record<string, string>;
  wallMs: number;
  totals: {
    tasks: number;
    done: number;
    failed: number;
    /** Failed tasks by reason (round-limit, rejected, step-failed): simulated outcomes. */
    failedBy: Partial<Record<FailureReason, number>>;
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
  /** The scenario's `expect:` lines checked against this run (set by the command that ran it). */
  expectations?: ThresholdResult[];
  error?: string;
}
