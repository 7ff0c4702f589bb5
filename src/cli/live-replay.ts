import { commandPersonas } from '../agents/agent-team.ts';
import { defaultObservers } from './default-observers.ts';
import { taskDigest } from '../engine/outcome-digest.ts';
import type { LayoutOptions } from '../runner/run-layout.ts';
import { simulate, type Progress } from '../runner/simulate.ts';
import { parseScenario } from '../scenario/scenario-loader.ts';
import { finishedFooter, type Recording } from '../recording/recording-reader.ts';

export interface TaskDifference {
  taskId: string;
  expected: string | null;
  actual: string | null;
}

export interface LiveReplayReport {
  file: string;
  recordedRunId: string;
  /** The new run (it has its own recording and telemetry). */
  runId: string;
  runDir: string;
  scenario: string;
  seed: string | number;
  /** `expected-differences`: the run has command agents (non-deterministic), so a different outcome is what a re-run gives. */
  status: 'match' | 'diverged' | 'expected-differences';
  /** Personas played by command agents in the recorded scenario. */
  commandAgents: string[];
  runStatus: 'completed' | 'failed' | 'interrupted';
  tasks: number;
  digest: { expected: string; actual: string };
  /** How many tasks differ, and the first few of them in plan order. */
  differingTasks: number;
  differences: TaskDifference[];
  ms: number;
}

export interface LiveReplayOptions {
  layout?: LayoutOptions;
  redisUrl?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  logLevel?: string;
}

const MAX_LISTED = 20;

/**
 * A re-run that gives the recorded outcome matches. One that does not is a
 * divergence (the engine or a model changed) unless personas are command
 * agents, whose answers and measured times a re-run does not reproduce.
 */
export function liveReplayStatus(match: boolean, commandAgents: readonly string[]): LiveReplayReport['status'] {
  if (match) return 'match';
  return commandAgents.length > 0 ? 'expected-differences' : 'diverged';
}

/**
 * Runs the recorded scenario text with the recorded seed and options again
 * through the real queues and listeners, and compares the outcome digest and
 * every task digest with the recording: a difference means the engine or a
 * persona model now behaves differently.
 */
export async function liveReplay(recording: Recording, options: LiveReplayOptions = {}): Promise<LiveReplayReport> {
  const { header } = recording;
  const footer = finishedFooter(recording);
  const loaded = parseScenario(header.scenario.source, header.scenario.file);
  const actual = new Map<string, string>();
  const order: string[] = [];
  const result = await simulate({
    scenarioFile: header.scenario.file,
    loaded,
    seed: header.seed,
    runtime: header.options.runtime,
    workspace: header.options.workspace,
    listenersPerPersona: header.options.listeners.perPersona,
    listenerConcurrency: header.options.listeners.concurrency,
    taskConcurrency: header.options.workflow.concurrency,
    ...(options.layout ? { layout: options.layout } : {}),
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    observers: [
      ...defaultObservers(),
      {
        taskFinished: (o) => {
          actual.set(o.taskId, taskDigest(o));
          order.push(o.taskId);
        },
      },
    ],
  });
  const differences: TaskDifference[] = [];
  let differing = 0;
  const note = (taskId: string, expected: string | null, got: string | null) => {
    differing++;
    if (differences.length < MAX_LISTED) differences.push({ taskId, expected, actual: got });
  };
  for (const [taskId, expected] of Object.entries(footer.tasks)) {
    const got = actual.get(taskId);
    if (got !== expected) note(taskId, expected, got ?? null);
  }
  for (const taskId of order) if (footer.tasks[taskId] === undefined) note(taskId, null, actual.get(taskId) ?? null);
  const match = differing === 0 && result.digest === footer.digest;
  const commandAgents = commandPersonas(loaded.scenario);
  return {
    file: recording.file,
    recordedRunId: header.runId,
    runId: result.runId,
    runDir: result.layout.runDir,
    scenario: header.scenario.name,
    seed: header.seed,
    status: liveReplayStatus(match, commandAgents),
    commandAgents,
    runStatus: result.status,
    tasks: actual.size,
    digest: { expected: footer.digest, actual: result.digest },
    differingTasks: differing,
    differences,
    ms: result.summary.wallMs,
  };
}
