import { isAspError } from '../errors.ts';
import type { LoadedScenario } from '../scenario/scenario-loader.ts';
import { locate, readYamlMapping } from '../scenario/scenario-loader.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import type { RunObserver } from '../engine/run-observer.ts';
import type { RunSummary } from '../engine/run-summary-types.ts';
import { evaluateThresholds, thresholdResult, type ThresholdResult } from '../thresholds/threshold-evaluator.ts';
import { parseThreshold, placeThresholdError, type Threshold } from '../thresholds/threshold-parser.ts';
import { computeMetrics, readRunMetric, runMetricCatalogue, type RunMetrics } from './run-metrics.ts';

/**
 * A scenario's `expect:` lines: parsed before the run (a malformed one is
 * exit 2 with nothing written, naming the file, the entry and its line),
 * checked against the run's metrics after it.
 */
export function parseExpectations(loaded: LoadedScenario): Threshold[] {
  return loaded.scenario.expect.map((text, i) => {
    try {
      return parseThreshold(text, runMetricCatalogue);
    } catch (err) {
      if (!isAspError(err)) throw err;
      const column = Number((err.details as { column?: number } | undefined)?.column ?? 1) - 1;
      const excerpt = fileExcerpt(loaded, i, text.trim(), column);
      throw placeThresholdError(err, `${loaded.file}: expect[${i}] (${loaded.scenario.name})`, { code: 'SCENARIO_INVALID', ...(excerpt ? { excerpt } : {}) });
    }
  });
}

/** The file's line holding expect[i], with a caret under the column of the problem; undefined when it cannot be placed. */
function fileExcerpt(loaded: LoadedScenario, i: number, expression: string, column: number): string[] | undefined {
  let where: { line?: number; column?: number };
  try {
    const { doc, lineCounter } = readYamlMapping(loaded.source, () => {
      throw new Error('unreadable');
    });
    where = locate(doc, lineCounter, ['expect', i], false);
  } catch {
    return undefined;
  }
  if (where.line === undefined) return undefined;
  const lineText = loaded.source.split(/\r?\n/)[where.line - 1] ?? '';
  const start = lineText.indexOf(expression, Math.max(0, (where.column ?? 1) - 1));
  if (start < 0) return undefined;
  const number = String(where.line);
  return [`    at ${loaded.file}:${where.line}:${start + column + 1}`, `    ${number} | ${lineText}`, `    ${' '.repeat(number.length)} | ${' '.repeat(start + column)}^`];
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

export function checkExpectations(expectations: readonly Threshold[], metrics: RunMetrics): ThresholdResult[] {
  return evaluateThresholds(expectations, (ref) => readRunMetric(ref, metrics)).map(thresholdResult);
}
