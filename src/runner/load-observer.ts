import type { LoadMetrics, TaskEnd } from './load-metrics.ts';
import type { RunObserver } from '../engine/run-observer.ts';

/**
 * Feeds a run's events into LoadMetrics: a task starts at its first job
 * dispatch and ends when its machine finishes; every result brings its job's
 * queue timings (enqueuedAt, startedAt, finishedAt, attemptsMade).
 */
export function loadObserver(metrics: LoadMetrics, now: () => number): RunObserver {
  return {
    jobDispatched({ taskId }) {
      metrics.taskStarted(taskId, now());
    },
    resultReceived({ persona, envelope }) {
      metrics.jobResult(persona, envelope.meta, now());
    },
    taskFinished(outcome) {
      const end: TaskEnd = outcome.state === 'done' ? 'done' : (outcome.failure?.reason ?? 'step-failed');
      metrics.taskFinished(outcome.taskId, now(), end);
    },
  };
}
