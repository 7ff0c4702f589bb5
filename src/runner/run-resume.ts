import { AspError } from '../errors.ts';
import { RUNTIME_KINDS, type RuntimeKind } from '../runtime/agent-runtime.ts';
import type { StepEnvelope } from '../queue/job-schema.ts';
import { parseScenario, type LoadedScenario } from '../scenario/scenario-loader.ts';
import { seedFromText } from '../scenario/seed.ts';
import type { StoredRun, TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { StepResult, TaskOutcome } from '../workflow/task-types.ts';

/**
 * What a crashed or interrupted run left in the telemetry database, for
 * `asp simulate --resume <runId>`: every stored step result (replayed into the
 * machines instead of being dispatched again), the task outcomes written so
 * far and the cycles that were completed.
 */
export interface ResumeState {
  runId: string;
  prefix: string;
  steps: Map<string, StepEnvelope>;
  outcomes: Map<string, TaskOutcome>;
  completedCycles: Set<number>;
}

export function stepKey(taskId: string, step: string, round: number): string {
  return `${taskId}/${step}/${round}`;
}

function runRow(store: TelemetryStore, runId: string): StoredRun {
  const row = store.storedRun(runId);
  if (!row) {
    throw new AspError('USAGE', `no run ${runId} in ${store.path}`, { exitCode: 2, hint: 'give the run id printed by the interrupted run (and the same --db)' });
  }
  if (row.status === 'completed') {
    throw new AspError('USAGE', `run ${runId} already completed; nothing to resume`, { exitCode: 2 });
  }
  if (!row.scenario_source) {
    throw new AspError('USAGE', `run ${runId} was recorded without its scenario text and cannot be resumed`, { exitCode: 2, hint: 'run the scenario again instead' });
  }
  return row;
}

/** The scenario and options the run started with. */
export function resumePlan(
  store: TelemetryStore,
  runId: string,
): {
  loaded: LoadedScenario;
  seed: string | number;
  runtime: RuntimeKind;
  workspace: 'git' | 'none';
  listenersPerPersona?: number;
  listenerConcurrency?: number;
  taskConcurrency?: number;
} {
  const row = runRow(store, runId);
  const loaded = parseScenario(row.scenario_source ?? '', row.scenario_file ?? `<run ${runId}>`);
  const options = JSON.parse(row.options_json) as { listeners?: { perPersona?: number; concurrency?: number }; workflow?: { concurrency?: number } };
  // Exactly as stored: a text seed such as "007" stays a text (its own random stream).
  const seed = seedFromText(row.seed, `runs.seed of ${runId}`);
  return {
    loaded,
    seed,
    runtime: (RUNTIME_KINDS as readonly string[]).includes(row.runtime) ? (row.runtime as RuntimeKind) : 'process',
    workspace: row.workspace_mode === 'none' ? 'none' : 'git',
    ...(options.listeners?.perPersona ? { listenersPerPersona: options.listeners.perPersona } : {}),
    ...(options.listeners?.concurrency ? { listenerConcurrency: options.listeners.concurrency } : {}),
    ...(options.workflow?.concurrency ? { taskConcurrency: options.workflow.concurrency } : {}),
  };
}

export function loadResumeState(store: TelemetryStore, runId: string): ResumeState {
  const row = runRow(store, runId);
  const prefix = (JSON.parse(row.options_json) as { prefix?: string }).prefix ?? `asp-${runId}`;
  const steps = new Map<string, StepEnvelope>();
  for (const r of store.storedSteps(runId)) {
    steps.set(stepKey(r.task_id, r.step, r.round), {
      result: JSON.parse(r.result_json) as StepResult,
      meta: { persona: r.persona, listenerId: r.listener_id, userId: r.user_id, pid: 0, attemptsMade: Math.max(0, r.attempts - 1), enqueuedAt: 0, startedAt: 0, finishedAt: 0 },
    });
  }
  const outcomes = new Map<string, TaskOutcome>();
  for (const r of store.storedOutcomes(runId)) outcomes.set(r.taskId, JSON.parse(r.outcomeJson) as TaskOutcome);
  const completedCycles = new Set(store.completedCycles(runId));
  return { runId, prefix, steps, outcomes, completedCycles };
}

/**
 * The cost of the stored steps of tasks whose outcome is stored too: a resumed
 * run takes those tasks as they are (their steps are never looked up again),
 * yet the run's summary counts every step of the run.
 */
export function storedCostOfFinishedTasks(resume: ResumeState): number {
  let usd = 0;
  for (const [key, envelope] of resume.steps) {
    const taskId = key.slice(0, key.lastIndexOf('/', key.lastIndexOf('/') - 1));
    if (resume.outcomes.has(taskId)) usd += envelope.result.cost.usd;
  }
  return usd;
}
