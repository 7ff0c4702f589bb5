import { AspError, errorMessage, ExitCode } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { relativeSizeTables, type RelativeSizeTable } from '../probe/index.ts';
import type { StepEnvelope } from '../queue/job-schema.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { planCycles, type PlannedCycle, type PlannedTask } from '../scenario/task-plan.ts';
import { taskMachine } from '../workflow/task-machine.ts';
import type { StepRequest, TaskOutcome } from '../workflow/task-types.ts';
import { OutcomeDigest } from './outcome-digest.ts';
import { ProbeHistory, TAIL_TASKS } from './probe-history.ts';
import { combineObservers, type RunEvents, type RunObserver } from './run-observer.ts';
import { scheduleCycle } from './sim-calendar.ts';
import { stepRunner } from './step-runner.ts';
import { TaskDriver, type RunStep } from './task-driver.ts';
import type { StepTransport } from './step-transport.ts';
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

/** What a resumed run already has: outcomes taken as they are, step results not delivered again. */
export interface EngineResume {
  outcomes: ReadonlyMap<string, TaskOutcome>;
  step(request: StepRequest): StepEnvelope | undefined;
}

export interface RunScenarioOptions {
  runId: string;
  /** The scenario as resolved (seed, overrides applied). */
  scenario: Scenario;
  transport: StepTransport;
  /** Everything that watches the run; see run-observer.ts. */
  observers?: readonly RunObserver[];
  signal?: AbortSignal;
  /** Default: silent. */
  log?: Logger;
  /** Open model: tasks started per second (still capped by the scenario's concurrency). */
  arrivalRate?: number;
  /** Flat memory for huge runs: no simulated calendar, only the history tail of each cycle kept. */
  lean?: boolean;
  resume?: EngineResume;
  /** Runs only these planned tasks (a replay of a run that was interrupted); default all. */
  only?: (taskId: string) => boolean;
  onProgress?: (progress: Progress) => void;
}

export interface EngineResult {
  /** Simulated task failures are outcomes: a run that ran to its end completed. */
  status: 'completed' | 'interrupted';
  digest: string;
  progress: Progress;
}

/**
 * Runs a scenario: the one cycle driver behind simulate, resume, load,
 * regress and replay. Cycles run in order; within a cycle tasks run
 * concurrently (the pool, closed or open model), each in its own task
 * machine whose steps the transport delivers. PROBE history is frozen at the
 * cycle's start, so results never depend on scheduling or transport. An
 * interrupted cycle stays open: its finished steps were reported, and a
 * resume completes it.
 *
 * Rejects with a transport's infrastructure fault (TransportContext.fail)
 * or a critical observer's error, after the tasks in flight settle.
 */
export async function runScenario(runOptions: RunScenarioOptions): Promise<EngineResult> {
  const options = { ...runOptions, log: runOptions.log ?? silentLogger() };
  const { scenario, transport, log } = options;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let fault: Error | undefined;
  const fail = (err: Error) => {
    fault ??= err;
    stop.abort();
  };
  const digest = new OutcomeDigest();
  const events = combineObservers([...(options.observers ?? []), digest], (err, hook) => log.warn({ err, hook }, 'run observer failed'));
  const driver = new CycleDriver(options, events, signal, relativeSizeTables(scenario.history.parts), fail);
  try {
    await transport.start({ runId: options.runId, scenario, signal, log, fail });
    if (!fault) await driver.runAll(planCycles(scenario));
  } finally {
    await transport.close();
  }
  if (fault) {
    faults.add(fault);
    throw fault;
  }
  const { progress } = driver;
  const status = signal.aborted ? 'interrupted' : 'completed';
  return { status, digest: digest.value(), progress: { ...progress } };
}

const faults = new WeakSet<object>();

/** True for the error of an infrastructure fault that stopped a run (resumable, never a task's outcome). */
export function isRunFault(err: unknown): boolean {
  return typeof err === 'object' && err !== null && faults.has(err);
}

/** Plans, runs and reports the cycles of one run. */
class CycleDriver {
  private readonly history: ProbeHistory;
  private readonly driver = new TaskDriver(taskMachine);
  private readonly runStep: RunStep;
  /** Some observer wants the machines' events (the recorder, the replayer): only then are they reported. */
  private readonly watched: boolean;
  private clock = 0;
  private planOffset = 0;
  readonly progress: Progress = { cycle: 0, cycles: 0, cycleName: '', done: 0, failed: 0, total: 0, inFlight: 0 };

  constructor(
    private readonly options: RunScenarioOptions & { log: Logger },
    private readonly events: RunEvents,
    private readonly signal: AbortSignal,
    private readonly tables: Record<string, RelativeSizeTable>,
    fail: (err: Error) => void,
  ) {
    const { runId, scenario, transport, resume } = options;
    this.history = new ProbeHistory(scenario);
    this.watched = (options.observers ?? []).some((o) => typeof o.machineEvent === 'function');
    this.runStep = stepRunner({
      runId,
      scenario,
      workspaceMode: scenario.workspace,
      transport,
      ...(resume ? { lookup: (request: StepRequest) => resume.step(request) } : {}),
      onDispatch: (request, jobId, job) => events.jobDispatched({ taskId: request.taskId, persona: job.persona, jobId, job }),
      onResult: (request, jobId, envelope) => events.resultReceived({ taskId: request.taskId, persona: envelope.meta.persona, jobId, round: request.round, envelope }),
      // Only the simulated team fails a task: any other failure of a step stops the run resumably.
      onFault: (request, jobId, err) => {
        if (this.signal.aborted) return; // already stopping: the step runs again on resume
        fail(
          new AspError(
            'STEP_FAILED',
            `step ${request.step} of task ${request.taskId} (job ${jobId}) could not run: ${errorMessage(err)}; run ${runId} stopped without storing it as the task's outcome`,
            {
              exitCode: ExitCode.INFRASTRUCTURE,
              cause: err,
              hint: `see the run log, then finish the run with: npm run simulate -- --resume ${runId}`,
            },
          ),
        );
      },
    });
  }

  async runAll(cycles: readonly PlannedCycle[]): Promise<void> {
    this.progress.cycles = cycles.length;
    this.progress.total = cycles.reduce((s, c) => s + c.size, 0);
    for (const cycle of cycles) {
      if (this.signal.aborted) return;
      await this.runCycle(cycle);
    }
  }

  private async runCycle(cycle: PlannedCycle): Promise<void> {
    const { options, events, progress } = this;
    const lean = options.lean ?? false;
    progress.cycle = cycle.index + 1;
    progress.cycleName = cycle.name;
    options.onProgress?.({ ...progress });
    events.cycleStarted({ cycle: cycle.index, name: cycle.name, size: cycle.size });
    const cycleHistory = this.history.forCycle();
    // Plan-ordered outcomes: all of them for the calendar, or only the tail the history reads (lean).
    const outcomes: TaskOutcome[] = [];
    const keepFrom = lean ? cycle.size - TAIL_TASKS : 0;
    const pool = { limit: options.scenario.workflow.concurrency, signal: this.signal, ...(options.arrivalRate ? { arrivalRate: options.arrivalRate } : {}) };
    await runPool(cycle.tasks(), pool, async (planned, index) => {
      if (options.only && !options.only(planned.id)) return;
      const outcome = options.resume?.outcomes.get(planned.id) ?? (await this.runTask(planned, cycleHistory));
      if (!outcome) return;
      if (index >= keepFrom) outcomes[index] = outcome;
      events.taskFinished(outcome, { index, position: this.planOffset + index });
      if (outcome.state === 'done') progress.done++;
      else progress.failed++;
      progress.lastTask = outcome.taskId;
      options.onProgress?.({ ...progress });
      if (outcome.failure) options.log.warn({ taskId: outcome.taskId, failure: outcome.failure }, 'task failed');
    });
    if (this.signal.aborted) return;
    const finished = outcomes.filter(Boolean);
    const calendar = lean ? null : scheduleCycle(finished, this.clock);
    if (calendar) this.clock = calendar.endMin;
    events.cycleFinished({ cycle: cycle.index, name: cycle.name, outcomes: finished, calendar });
    this.history.addCycle(outcomes);
    this.planOffset += cycle.size;
  }

  /** Drives one task machine to its end; undefined when the run was interrupted under it. */
  private async runTask(planned: PlannedTask, history: ReturnType<ProbeHistory['forCycle']>): Promise<TaskOutcome | undefined> {
    const { options, events, progress } = this;
    const task = subjectOf(planned, this.tables);
    events.taskStarted(task);
    progress.inFlight++;
    try {
      const input = { task, maxReviewRounds: options.scenario.workflow.maxReviewRounds, history };
      const outcome = await this.driver.run(input, this.runStep, this.watched ? (w) => events.machineEvent({ taskId: task.id, ...w }) : undefined);
      // A step that failed while the run was stopping (interrupted, or stopped by an infrastructure
      // fault) is not the team's outcome: nothing is reported and a resume runs the task on.
      const interrupted = this.signal.aborted && outcome.failure?.reason === 'step-failed';
      return interrupted ? undefined : outcome;
    } finally {
      progress.inFlight--;
    }
  }
}
