import { AspError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RelativeSizeTable } from '../probe/index.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { PlannedTask } from '../scenario/task-plan.ts';

/** Command-line overrides applied to a scenario. */
export interface ScenarioOverrides {
  seed?: string | number;
  runtime?: 'process' | 'docker';
  workspace?: 'git' | 'none';
  taskConcurrency?: number;
  listenersPerPersona?: number;
  listenerConcurrency?: number;
}

export function resolveScenario(scenario: Scenario, options: ScenarioOverrides): Scenario {
  return {
    ...scenario,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.workspace ? { workspace: options.workspace } : {}),
    workflow: { ...scenario.workflow, ...(options.taskConcurrency ? { concurrency: options.taskConcurrency } : {}) },
    listeners: {
      perPersona: options.listenersPerPersona ?? scenario.listeners.perPersona,
      concurrency: options.listenerConcurrency ?? scenario.listeners.concurrency,
    },
  };
}

/** Fails fast, before anything is written, when a part names a proxy type with no table. */
export function checkParts(tasks: PlannedTask[], tables: Record<string, RelativeSizeTable>, file: string): void {
  for (const task of tasks) {
    for (const part of task.parts ?? []) {
      if (!tables[part.type]) {
        throw new AspError('SCENARIO_INVALID', `${file}: task "${task.id}" part "${part.name}" has proxy type "${part.type}", but history.parts has no parts of that type`, {
          exitCode: 2,
          hint: `add historical parts of type "${part.type}" under history.parts, or use one of: ${Object.keys(tables).join(', ') || '(none: give the task a proxySize)'}`,
        });
      }
    }
  }
}

/** Writes a listener's log line into the run's log, with the persona as a field. */
export function forwardListenerLog(logger: Logger, persona: string, line: Record<string, unknown> | string): void {
  if (typeof line === 'string') {
    logger.info({ component: 'listener', persona }, line);
    return;
  }
  const { level, msg, time: _time, pid: _pid, hostname: _host, ...rest } = line;
  const fields = { component: 'listener', ...rest, persona };
  const text = typeof msg === 'string' ? msg : 'listener';
  const n = typeof level === 'number' ? level : 30;
  if (n >= 50) logger.error(fields, text);
  else if (n >= 40) logger.warn(fields, text);
  else if (n >= 30) logger.info(fields, text);
  else logger.debug(fields, text);
}

/**
 * Runs cleanup steps in order; a failing or hanging step (e.g. Redis gone)
 * is logged and does not skip the rest.
 */
export async function cleanup(log: Logger, steps: Array<[string, () => Promise<unknown>]>, stepTimeoutMs = 20_000): Promise<void> {
  for (const [name, step] of steps) {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        step(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${stepTimeoutMs} ms`)), stepTimeoutMs);
        }),
      ]);
      log.debug({ step: name, ms: Date.now() - t0 }, 'cleanup step done');
    } catch (err) {
      log.warn({ err, step: name }, 'cleanup step failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
