import type { PersonaName } from '../personas.ts';
import type { StepEnvelope, StepJob } from '../queue/job-schema.ts';
import type { LoadedScenario } from '../scenario/scenario-loader.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { TaskOutcome, TaskSubject } from '../workflow/task-types.ts';
import type { RunLayout } from '../runner/run-layout.ts';
import type { RunSummary } from './run-summary-types.ts';
import type { CycleCalendar } from './sim-calendar.ts';

/**
 * The one event stream of a run. Everything that watches a run (telemetry
 * writer, summary, digest, recorder, reports, load metrics) implements the
 * hooks it needs; the wiring happens at the top (the CLI, or a caller of
 * simulate()), never inside the engine. Calls are synchronous and in order
 * per task. The engine emits the cycle, task and step events; the run's
 * composition (simulate) emits runStarted and runEnded around it.
 *
 * An observer's error is logged and ignored, unless the observer is
 * `critical` (the telemetry writer): then it fails the run.
 */
export interface RunObserver {
  /** Errors of this observer fail the run instead of being logged. */
  readonly critical?: boolean;
  runStarted?(info: { runId: string; loaded: LoadedScenario; scenario: Scenario; layout: RunLayout; engineVersion: string; startedAt: number }): void;
  cycleStarted?(info: { cycle: number; name: string; size: number }): void;
  /** A task's machine starts (not sent for a resumed task whose outcome was already stored). */
  taskStarted?(task: TaskSubject): void;
  /** An event the task's machine received (xstate.done.actor.*, xstate.error.actor.*, …), after the transition. */
  machineEvent?(info: { taskId: string; event: { type: string; [key: string]: unknown }; state: string; round: number }): void;
  jobDispatched?(info: { taskId: string; persona: PersonaName; jobId: string; job: StepJob }): void;
  resultReceived?(info: { taskId: string; persona: PersonaName; jobId: string; round: number; envelope: StepEnvelope }): void;
  /** `index`: the task's place in its cycle's plan; `position`: in the run's plan. */
  taskFinished?(outcome: TaskOutcome, at: { index: number; position: number }): void;
  /** `outcomes` in plan order; `calendar` (one span per outcome) is null in lean runs. */
  cycleFinished?(info: { cycle: number; name: string; outcomes: readonly TaskOutcome[]; calendar: CycleCalendar | null }): void;
  runEnded?(info: { summary: RunSummary; status: RunSummary['status']; digest: string }): void | Promise<void>;
}

export type RunEvents = Required<Omit<RunObserver, 'critical'>>;

/** Fans calls out to several observers; one failing observer does not stop the others (a critical one fails the run). */
export function combineObservers(observers: readonly RunObserver[], onError: (err: unknown, hook: string) => void): RunEvents {
  const call =
    <K extends keyof RunEvents>(hook: K) =>
    (...args: Parameters<RunEvents[K]>) => {
      let failure: unknown;
      for (const o of observers) {
        try {
          (o[hook] as ((...a: typeof args) => unknown) | undefined)?.apply(o, args);
        } catch (err) {
          if (o.critical) failure ??= err;
          else onError(err, hook);
        }
      }
      if (failure !== undefined) throw failure;
    };
  return {
    runStarted: call('runStarted'),
    cycleStarted: call('cycleStarted'),
    taskStarted: call('taskStarted'),
    machineEvent: call('machineEvent'),
    jobDispatched: call('jobDispatched'),
    resultReceived: call('resultReceived'),
    taskFinished: call('taskFinished'),
    cycleFinished: call('cycleFinished'),
    runEnded: async (arg) => {
      for (const o of observers) {
        try {
          await o.runEnded?.(arg);
        } catch (err) {
          onError(err, 'runEnded');
        }
      }
    },
  };
}
