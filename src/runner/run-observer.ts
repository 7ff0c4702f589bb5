import type { PersonaName } from '../personas.ts';
import type { StepEnvelope, StepJob } from '../queue/job-schema.ts';
import type { LoadedScenario } from '../scenario/scenario-loader.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import type { RunLayout } from './run-layout.ts';
import type { RunSummary } from './run-summary.ts';

/**
 * Watches a run as it happens: the recorder, reports and metrics plug in
 * here without touching the runner. Calls are synchronous and in order per
 * task; an observer must not throw (the runner logs and ignores errors).
 */
export interface RunObserver {
  runStarted?(info: { runId: string; loaded: LoadedScenario; scenario: Scenario; layout: RunLayout; engineVersion: string; startedAt: number }): void;
  /** An event the task's machine received (xstate.done.actor.*, xstate.error.actor.*, …), after the transition. */
  machineEvent?(info: { taskId: string; event: { type: string; [key: string]: unknown }; state: string; round: number }): void;
  jobDispatched?(info: { taskId: string; persona: PersonaName; jobId: string; job: StepJob }): void;
  resultReceived?(info: { taskId: string; persona: PersonaName; jobId: string; envelope: StepEnvelope }): void;
  taskFinished?(outcome: TaskOutcome): void;
  cycleFinished?(info: { cycle: number; name: string; outcomes: readonly TaskOutcome[] }): void;
  runEnded?(info: { summary: RunSummary; status: RunSummary['status']; digest: string }): void | Promise<void>;
}

/** Fans calls out to several observers; one failing observer does not stop the others. */
export function combineObservers(observers: readonly RunObserver[], onError: (err: unknown, hook: string) => void): Required<RunObserver> {
  const call =
    <K extends keyof RunObserver>(hook: K) =>
    (arg: Parameters<NonNullable<RunObserver[K]>>[0]) => {
      for (const o of observers) {
        try {
          (o[hook] as ((a: typeof arg) => unknown) | undefined)?.call(o, arg);
        } catch (err) {
          onError(err, hook);
        }
      }
    };
  return {
    runStarted: call('runStarted'),
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
