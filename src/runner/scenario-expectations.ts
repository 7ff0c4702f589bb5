import { AspError, isAspError } from '../errors.ts';
import type { LoadedScenario } from '../scenario/scenario-loader.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import type { RunObserver } from '../engine/run-observer.ts';
import { computeMetrics, type RunMetrics } from './run-metrics.ts';
import type { RunSummary } from './run-summary.ts';
import { evaluateThreshold, parseThreshold, type ThresholdExpression, type ThresholdResult } from './threshold-expression.ts';

/**
 * A scenario's `expect:` lines: parsed before the run (a malformed one is
 * exit 2 with nothing written), checked against the run's metrics after it.
 */
export function parseExpectations(loaded: LoadedScenario): ThresholdExpression[] {
  return loaded.scenario.expect.map((text, i) => {
    try {
      return parseThreshold(text);
    } catch (err) {
      if (!isAspError(err)) throw err;
      throw new AspError('SCENARIO_INVALID', `${loaded.file}: expect[${i}] (${loaded.scenario.name}): ${err.message}`, { exitCode: 2, ...(err.hint ? { hint: err.hint } : {}), cause: err });
    }
  });
}

/** Collects a run's task outcomes (in finishing order) for its metrics. */
export class OutcomeCollector implements RunObserver {
  readonly outcomes: TaskOutcome[] = [];

  taskFinished(outcome: TaskOutcome): void {
    this.outcomes.push(outcome);
  }

  metrics(summary: RunSummary): RunMetrics {
    return computeMetrics(this.outcomes, summary);
  }
}

export function checkExpectations(expectations: readonly ThresholdExpression[], metrics: RunMetrics): ThresholdResult[] {
  return expectations.map((t) => evaluateThreshold(t, metrics));
}
