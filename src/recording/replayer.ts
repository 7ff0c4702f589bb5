import { runScenario } from '../engine/run-engine.ts';
import type { RunObserver } from '../engine/run-observer.ts';
import { taskDigest } from '../engine/outcome-digest.ts';
import { parseScenario } from '../scenario/scenario-loader.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { ENGINE_VERSION } from '../version.ts';
import type { TaskOutcome } from '../workflow/task-types.ts';
import { describeEvent, eventRecord, requestDigest, sameEvent, type EventRecord } from './event-record.ts';
import type { Recording, TaskRecording } from './recording-reader.ts';
import { wholeRecording, type RecordedRun } from './recording-stream.ts';
import { stepKey, type HeaderLine } from './recording-schema.ts';
import { RecordingTransport } from './recording-transport.ts';
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
  /**
   * The recording has no footer (the run crashed or was killed): it was
   * replayed as far as it goes, and `stalled` tasks had a step in flight.
   * There is no outcome digest to hold the replay against.
   */
  incomplete: boolean;
  stalled: number;
  tasks: number;
  events: number;
  dispatches: number;
  /** Planned tasks the recorded run never started (it was interrupted). */
  notRecorded: number;
  digest: { expected: string; actual: string };
  divergence?: Divergence;
  ms: number;
}

/** What the replayed machine of one task did: its events and the steps it asked for, in order. */
interface TaskSink {
  events: EventRecord[];
  dispatches: Array<{ step: string; round: number; request: string }>;
}

/** The scenario as the recorded run resolved it (seed and options from the header). */
export function recordedScenario(header: HeaderLine): Scenario {
  const { scenario } = parseScenario(header.scenario.source, header.scenario.file);
  const { runtime, workspace, workflow, listeners } = header.options;
  return { ...scenario, seed: header.seed, runtime, workspace, workflow, listeners };
}

/**
 * Replays a recording: the engine runs the recorded scenario (seed and
 * options from the header) on the recording transport, without Redis or
 * listeners. An observer checks every transition against the recorded
 * events and every request against the recorded dispatch, then each task
 * digest and the outcome digest. Stops after the first cycle that diverges
 * and reports its earliest line.
 */
export async function replayRecording(source: Recording | RecordedRun, now: () => number = Date.now): Promise<ReplayReport> {
  const started = now();
  const recording = 'load' in source ? source : wholeRecording(source);
  const { header } = recording;
  const footer = recording.footer;
  const incomplete = footer === undefined;
  const report: ReplayReport = {
    file: recording.file,
    runId: header.runId,
    scenario: header.scenario.name,
    seed: header.seed,
    recordedEngine: header.engineVersion,
    engine: ENGINE_VERSION,
    status: 'match',
    incomplete,
    stalled: 0,
    tasks: 0,
    events: 0,
    dispatches: 0,
    notRecorded: 0,
    digest: { expected: footer?.digest ?? '', actual: '' },
    ms: 0,
  };
  const stop = new AbortController();
  const replayed = new Set<string>();
  // An incomplete recording ends the replay once every open task waits on a step it has no result for.
  const transport: RecordingTransport = new RecordingTransport(recording, incomplete ? () => setImmediate(() => setImmediate(endWhenStalled)) : undefined);
  const checker = new ReplayChecker(
    recording,
    report,
    () => stop.abort(),
    (taskId) => transport.stalled.has(taskId),
  );
  const endWhenStalled = () => {
    if (!stop.signal.aborted && transport.stalled.size > 0 && checker.openTasks().every((t) => transport.stalled.has(t))) stop.abort();
  };
  const ran = await runScenario({
    runId: header.runId,
    scenario: recordedScenario(header),
    transport,
    observers: [checker],
    signal: stop.signal,
    // No calendar: the checker reads no cycle's outcomes, and the PROBE history is the same (see probe-history.ts).
    lean: true,
    // A recorded run that was interrupted never started some planned tasks.
    only: (taskId) => {
      const recorded = recording.has(taskId) || footer?.tasks[taskId] !== undefined;
      if (recorded) replayed.add(taskId);
      else report.notRecorded++;
      return recorded;
    },
  }).catch((err: unknown) => {
    // A bad line met while streaming stops the run; it is the recording's fault, reported as such (exit 2).
    throw recording.error ?? err;
  });
  // The rest of the recording is read and checked whatever the replay found: a bad line anywhere is exit 2.
  await recording.finish((taskId) => checker.divergence === undefined && !replayed.has(taskId));
  const finish = (divergence?: Divergence): ReplayReport => {
    if (divergence) Object.assign(report, { status: 'diverged', divergence });
    report.digest.actual = ran.digest;
    report.ms = now() - started;
    return report;
  };
  if (incomplete) checker.finishOpenTasks(transport.stalled);
  if (checker.divergence) return finish(checker.divergence);
  for (const taskId of [...recording.taskIds(), ...Object.keys(footer?.tasks ?? {})]) {
    if (replayed.has(taskId)) continue;
    const line = recording.task(taskId)?.events[0]?.line ?? footer?.line ?? recording.lineCount;
    return finish({ kind: 'unknown-task', line, taskId, expected: `task ${taskId} (recorded)`, actual: 'no such task in the recorded scenario plan' });
  }
  if (!footer) return finish();
  if (ran.digest !== footer.digest) return finish({ kind: 'outcome-digest', line: footer.line, expected: footer.digest, actual: ran.digest });
  return finish();
}

/** Watches the replayed run and holds it against the recording, cycle by cycle. */
class ReplayChecker implements RunObserver {
  private readonly sinks = new Map<string, TaskSink>();
  private found: Divergence[] = [];
  divergence: Divergence | undefined;

  constructor(
    private readonly recording: RecordedRun,
    private readonly report: ReplayReport,
    private readonly stop: () => void,
    private readonly stalled: (taskId: string) => boolean = () => false,
  ) {}

  private sink(taskId: string): TaskSink {
    let sink = this.sinks.get(taskId);
    if (!sink) this.sinks.set(taskId, (sink = { events: [], dispatches: [] }));
    return sink;
  }

  machineEvent(info: Parameters<NonNullable<RunObserver['machineEvent']>>[0]): void {
    this.sink(info.taskId).events.push(eventRecord(info));
  }

  jobDispatched({ taskId, job }: Parameters<NonNullable<RunObserver['jobDispatched']>>[0]): void {
    const { step, round } = job.request;
    this.sink(taskId).dispatches.push({ step, round, request: requestDigest(job.request) });
  }

  taskFinished(outcome: TaskOutcome): void {
    const sink = this.sink(outcome.taskId);
    this.sinks.delete(outcome.taskId);
    // A task stopped on a step in flight when an incomplete replay ended is not a finished task.
    if (this.stalled(outcome.taskId)) this.report.stalled++;
    else this.report.tasks++;
    this.report.events += sink.events.length;
    this.report.dispatches += sink.dispatches.length;
    const d = compareTask(outcome.taskId, this.recording.task(outcome.taskId), sink, outcome, this.recording);
    this.recording.release(outcome.taskId);
    if (d) this.found.push(d);
  }

  /** Tasks that started and have not finished. */
  openTasks(): string[] {
    return [...this.sinks.keys()];
  }

  /** After an incomplete replay: holds the tasks left waiting against what was recorded of them. */
  finishOpenTasks(stalled: ReadonlySet<string>): void {
    for (const [taskId, sink] of this.sinks) {
      this.report.stalled += stalled.has(taskId) ? 1 : 0;
      this.report.events += sink.events.length;
      this.report.dispatches += sink.dispatches.length;
      const d = compareSteps(taskId, this.recording.task(taskId), sink, this.recording);
      if (d) this.found.push(d);
    }
    this.sinks.clear();
    this.cycleFinished();
  }

  cycleFinished(): void {
    if (this.found.length === 0) return;
    this.divergence = this.found.reduce((a, b) => (b.line < a.line ? b : a));
    this.found = [];
    this.stop();
  }
}

function compareTask(taskId: string, recorded: TaskRecording | undefined, sink: TaskSink, outcome: TaskOutcome, recording: RecordedRun): Divergence | undefined {
  const steps = compareSteps(taskId, recorded, sink, recording);
  if (steps || !recording.footer) return steps;
  const expected = recording.footer.tasks[taskId];
  const actual = taskDigest(outcome);
  if (expected !== actual) {
    return { kind: 'task-digest', line: recording.footer.line, taskId, expected: expected ?? '(the recorded run did not finish this task)', actual };
  }
  return undefined;
}

/**
 * The task's transitions and step requests against the recorded ones. With
 * no footer the recording stops wherever the run stopped, so what was
 * recorded must be where the replay began: the replay may go further.
 */
function compareSteps(taskId: string, recorded: TaskRecording | undefined, sink: TaskSink, recording: RecordedRun): Divergence | undefined {
  const events = recorded?.events ?? [];
  const dispatches = recorded?.dispatches ?? [];
  const lastLine = recorded?.lastLine ?? recording.footer?.line ?? recording.lineCount;
  const prefix = recording.footer === undefined;
  const candidates: Divergence[] = [];

  for (let i = 0; i < Math.max(events.length, sink.events.length); i++) {
    const r = events[i];
    const a = sink.events[i];
    if (r && a && sameEvent(r, a)) continue;
    if (prefix && !r) break;
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
    if (prefix && !r) break;
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
  return candidates.length > 0 ? candidates.reduce((x, y) => (y.line < x.line ? y : x)) : undefined;
}
