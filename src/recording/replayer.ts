import { createActor, toPromise } from 'xstate';
import { relativeSizeTables } from '../probe/index.ts';
import { watchMachine } from '../engine/machine-watch.ts';
import { OutcomeDigest, taskDigest } from '../engine/outcome-digest.ts';
import { ProbeHistory } from '../engine/probe-history.ts';
import { subjectOf } from '../engine/task-subject.ts';
import { parseScenario } from '../scenario/scenario-loader.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { planCycles } from '../scenario/task-plan.ts';
import { ENGINE_VERSION } from '../version.ts';
import { taskMachine } from '../workflow/task-machine.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import { describeEvent, eventRecord, sameEvent, type EventRecord } from './event-record.ts';
import type { Recording, TaskRecording } from './recording-reader.ts';
import { stepKey, type HeaderLine } from './recording-schema.ts';
import { replayActors, type ReplaySink } from './replay-actors.ts';

export interface Divergence {
  kind: 'event' | 'request' | 'task-digest' | 'unknown-task' | 'outcome-digest';
  /** The recording line where the replay first differs. */
  line: number;
  taskId?: string;
  step?: string;
  round?: number;
  expected: string;
  actual: string;
  /** The line of the recorded result the machine was fed at that point, if any. */
  resultLine?: number;
}

export interface ReplayReport {
  file: string;
  runId: string;
  scenario: string;
  seed: string | number;
  recordedEngine: string;
  engine: string;
  status: 'match' | 'diverged';
  tasks: number;
  events: number;
  dispatches: number;
  /** Planned tasks the recorded run never started (it was interrupted). */
  notRecorded: number;
  digest: { expected: string; actual: string };
  divergence?: Divergence;
  ms: number;
}

interface TaskSink extends ReplaySink {
  events: EventRecord[];
}

/** The scenario as the recorded run resolved it (seed and options from the header). */
export function recordedScenario(header: HeaderLine): Scenario {
  const { scenario } = parseScenario(header.scenario.source, header.scenario.file);
  const { runtime, workspace, workflow, listeners } = header.options;
  return { ...scenario, seed: header.seed, runtime, workspace, workflow, listeners };
}

/**
 * Re-drives the task machines from a recording, without Redis or listeners:
 * each step's actor answers with the recorded result, every transition is
 * checked against the recorded events (and every request against the
 * recorded dispatch), then each task digest and the outcome digest.
 * Stops at the first cycle that diverges and reports its earliest line.
 */
export async function replayRecording(recording: Recording, now: () => number = Date.now): Promise<ReplayReport> {
  const started = now();
  const { header, footer } = recording;
  const scenario = recordedScenario(header);
  const tables = relativeSizeTables(scenario.history.parts);
  const history = new ProbeHistory(scenario);
  const digest = new OutcomeDigest();
  const sinks = new Map<string, TaskSink>();
  const machine = taskMachine.provide({ actors: replayActors(recording, (id) => sinks.get(id)) });
  const replayed = new Set<string>();
  const report: ReplayReport = {
    file: recording.file,
    runId: header.runId,
    scenario: header.scenario.name,
    seed: header.seed,
    recordedEngine: header.engineVersion,
    engine: ENGINE_VERSION,
    status: 'match',
    tasks: 0,
    events: 0,
    dispatches: 0,
    notRecorded: 0,
    digest: { expected: footer.digest, actual: '' },
    ms: 0,
  };
  const finish = (divergence?: Divergence): ReplayReport => {
    if (divergence) Object.assign(report, { status: 'diverged', divergence });
    report.digest.actual = digest.value();
    report.ms = now() - started;
    return report;
  };

  for (const cycle of planCycles(scenario)) {
    const cycleHistory = history.forCycle();
    const outcomes: TaskOutcome[] = [];
    const found: Divergence[] = [];
    let index = -1;
    for (const planned of cycle.tasks()) {
      index++;
      const recorded = recording.tasks.get(planned.id);
      if (!recorded && footer.tasks[planned.id] === undefined) {
        report.notRecorded++;
        continue;
      }
      replayed.add(planned.id);
      const sink: TaskSink = { dispatches: [], events: [] };
      sinks.set(planned.id, sink);
      const actor = createActor(machine, {
        input: { task: subjectOf(planned, tables), maxReviewRounds: scenario.workflow.maxReviewRounds, history: cycleHistory },
      });
      actor.subscribe({ error: () => undefined });
      watchMachine(actor, (w) => sink.events.push(eventRecord(w)));
      actor.start();
      const outcome = await toPromise(actor);
      sinks.delete(planned.id);
      outcomes[index] = outcome;
      digest.add(outcome);
      report.tasks++;
      report.events += sink.events.length;
      report.dispatches += sink.dispatches.length;
      const d = compareTask(planned.id, recorded, sink, outcome, recording);
      if (d) found.push(d);
    }
    if (found.length > 0) return finish(found.reduce((a, b) => (b.line < a.line ? b : a)));
    history.addCycle(outcomes);
  }

  for (const taskId of [...recording.tasks.keys(), ...Object.keys(footer.tasks)]) {
    if (replayed.has(taskId)) continue;
    const line = recording.tasks.get(taskId)?.events[0]?.line ?? footer.line;
    return finish({ kind: 'unknown-task', line, taskId, expected: `task ${taskId} (recorded)`, actual: 'no such task in the recorded scenario plan' });
  }
  const actual = digest.value();
  if (actual !== footer.digest) return finish({ kind: 'outcome-digest', line: footer.line, expected: footer.digest, actual });
  return finish();
}

function compareTask(taskId: string, recorded: TaskRecording | undefined, sink: TaskSink, outcome: TaskOutcome, recording: Recording): Divergence | undefined {
  const events = recorded?.events ?? [];
  const dispatches = recorded?.dispatches ?? [];
  const lastLine = recorded?.lastLine ?? recording.footer.line;
  const candidates: Divergence[] = [];

  for (let i = 0; i < Math.max(events.length, sink.events.length); i++) {
    const r = events[i];
    const a = sink.events[i];
    if (r && a && sameEvent(r, a)) continue;
    const at = r ? { step: r.step, round: r.stepRound } : {};
    const resultLine = r ? recorded?.results.get(stepKey(r.step, r.stepRound))?.line : undefined;
    candidates.push({
      kind: 'event',
      line: r?.line ?? lastLine,
      taskId,
      ...at,
      expected: r ? describeEvent(r) : '(no further event: the recorded task had ended)',
      actual: a ? describeEvent(a) : '(no further event: the replayed task ended)',
      ...(resultLine !== undefined ? { resultLine } : {}),
    });
    break;
  }
  for (let i = 0; i < Math.max(dispatches.length, sink.dispatches.length); i++) {
    const r = dispatches[i];
    const a = sink.dispatches[i];
    if (r && a && r.step === a.step && r.round === a.round && r.request === a.request) continue;
    candidates.push({
      kind: 'request',
      line: r?.line ?? lastLine,
      taskId,
      ...(r ? { step: r.step, round: r.round } : a ? { step: a.step, round: a.round } : {}),
      expected: r ? `${r.step} round ${r.round} request ${r.request.slice(0, 12)}` : '(no further step)',
      actual: a ? `${a.step} round ${a.round} request ${a.request.slice(0, 12)}` : '(no further step)',
    });
    break;
  }
  if (candidates.length > 0) return candidates.reduce((x, y) => (y.line < x.line ? y : x));

  const expected = recording.footer.tasks[taskId];
  const actual = taskDigest(outcome);
  if (expected !== actual) {
    return { kind: 'task-digest', line: recording.footer.line, taskId, expected: expected ?? '(the recorded run did not finish this task)', actual };
  }
  return undefined;
}
