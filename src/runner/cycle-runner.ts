import { createActor, toPromise } from 'xstate';
import type { Logger } from '../logger.ts';
import type { RelativeSizeTable } from '../probe/index.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { PlannedCycle, PlannedTask } from '../scenario/task-plan.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { TelemetryWriter } from '../telemetry/telemetry-writer.ts';
import type { taskMachine } from '../workflow/task-machine.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import { watchMachine } from './machine-watch.ts';
import type { OutcomeDigest } from './outcome-digest.ts';
import { ProbeHistory, TAIL_TASKS } from './probe-history.ts';
import type { ResumeState } from './run-resume.ts';
import type { RunObserver } from './run-observer.ts';
import type { RunSummaryBuilder } from './run-summary.ts';
import { scheduleCycle } from './sim-calendar.ts';
import { runPool } from './task-pool.ts';
import { subjectOf } from './task-subject.ts';

export interface Progress {
  cycle: number;
  cycles: number;
  cycleName: string;
  done: number;
  failed: number;
  total: number;
  inFlight: number;
  lastTask?: string;
}

export interface CycleRunnerDeps {
  runId: string;
  scenario: Scenario;
  tables: Record<string, RelativeSizeTable>;
  machine: typeof taskMachine;
  store: TelemetryStore;
  writer: TelemetryWriter;
  summary: RunSummaryBuilder;
  digest: OutcomeDigest;
  observe: Required<RunObserver>;
  log: Logger;
  lean: boolean;
  signal: AbortSignal;
  arrivalRate?: number;
  onProgress?: (progress: Progress) => void;
  /** A resumed run: outcomes already stored are taken as they are. */
  resume?: ResumeState;
}

/**
 * Runs the cycles of a run in order. Within a cycle, tasks run concurrently
 * (each in its own task machine); PROBE history is frozen at the cycle's
 * start, so results never depend on scheduling. An interrupted cycle stays
 * open: its finished steps are in the database and `--resume` completes it.
 */
export class CycleRunner {
  private readonly history: ProbeHistory;
  private clock = 0;
  private planOffset = 0;
  readonly progress: Progress;

  constructor(
    private readonly deps: CycleRunnerDeps,
    private readonly cycles: readonly PlannedCycle[],
  ) {
    this.history = new ProbeHistory(deps.scenario);
    const total = cycles.reduce((s, c) => s + c.size, 0);
    this.progress = { cycle: 0, cycles: cycles.length, cycleName: '', done: 0, failed: 0, total, inFlight: 0 };
  }

  async runAll(): Promise<void> {
    for (const cycle of this.cycles) {
      if (this.deps.signal.aborted) return;
      await this.runCycle(cycle);
    }
  }

  private async runCycle(cycle: PlannedCycle): Promise<void> {
    const { deps, progress } = this;
    const { runId, store, writer, summary } = deps;
    progress.cycle = cycle.index + 1;
    progress.cycleName = cycle.name;
    deps.onProgress?.({ ...progress });
    store.recordCycle(runId, cycle.index, cycle.name, cycle.size);
    summary.startCycle(cycle.size);
    const cycleHistory = this.history.forCycle();
    // Plan-ordered outcomes: all of them for the calendar, or only the tail the history reads (lean).
    const outcomes: TaskOutcome[] = [];
    const keepFrom = deps.lean ? cycle.size - TAIL_TASKS : 0;
    const pool = { limit: deps.scenario.workflow.concurrency, signal: deps.signal, ...(deps.arrivalRate ? { arrivalRate: deps.arrivalRate } : {}) };
    await runPool(cycle.tasks(), pool, async (planned, index) => {
      const outcome = deps.resume?.outcomes.get(planned.id) ?? (await this.runTask(planned, cycleHistory));
      if (!outcome) return;
      if (index >= keepFrom) outcomes[index] = outcome;
      if (deps.lean) writer.outcome(outcome, null);
      summary.addTask(outcome, index, this.planOffset + index);
      deps.digest.add(outcome);
      deps.observe.taskFinished(outcome);
      if (outcome.state === 'done') progress.done++;
      else progress.failed++;
      progress.lastTask = outcome.taskId;
      deps.onProgress?.({ ...progress });
      if (outcome.failure) deps.log.warn({ taskId: outcome.taskId, failure: outcome.failure }, 'task failed');
    });
    if (deps.signal.aborted) {
      writer.flush();
      return;
    }
    const finished = outcomes.filter(Boolean);
    const calendar = deps.lean ? null : scheduleCycle(finished, this.clock);
    if (calendar) {
      finished.forEach((o, i) => {
        const span = calendar.tasks[i];
        writer.outcome(o, { startMin: span?.startMin ?? this.clock, endMin: span?.endMin ?? this.clock });
      });
      this.clock = calendar.endMin;
    }
    writer.flush();
    store.finishCycle(runId, cycle.index, calendar?.startMin ?? null, calendar?.endMin ?? null);
    summary.finishCycle(cycle.index, cycle.name, calendar);
    deps.observe.cycleFinished({ cycle: cycle.index, name: cycle.name, outcomes: finished });
    this.history.addCycle(outcomes);
    this.planOffset += cycle.size;
  }

  /** Drives one task machine to its end; undefined when the run was interrupted under it. */
  private async runTask(planned: PlannedTask, history: ReturnType<ProbeHistory['forCycle']>): Promise<TaskOutcome | undefined> {
    const { deps, progress } = this;
    const task = subjectOf(planned, deps.tables);
    deps.store.recordTaskStart(deps.runId, task);
    progress.inFlight++;
    try {
      const actor = createActor(deps.machine, { input: { task, maxReviewRounds: deps.scenario.workflow.maxReviewRounds, history } });
      actor.subscribe({ error: () => undefined });
      watchMachine(actor, (w) => deps.observe.machineEvent({ taskId: task.id, ...w }));
      actor.start();
      const outcome = await toPromise(actor);
      const interrupted = deps.signal.aborted && outcome.failure?.reason === 'step-failed' && /: interrupted$/.test(outcome.failure.message);
      return interrupted ? undefined : outcome;
    } finally {
      progress.inFlight--;
    }
  }
}
