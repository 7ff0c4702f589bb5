import { AspError } from '../errors.ts';
import type { RuntimeKind } from '../runtime/agent-runtime.ts';
import type { RelativeSizeTable } from '../probe/index.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import type { PlannedTask } from '../scenario/task-plan.ts';

/** Command-line overrides applied to a scenario. */
export interface ScenarioOverrides {
  seed?: string | number;
  runtime?: RuntimeKind;
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
