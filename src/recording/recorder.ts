import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { taskDigest } from '../engine/outcome-digest.ts';
import type { RunObserver } from '../engine/run-observer.ts';
import { STEP_NAMES, type StepName, type TaskOutcome } from '../workflow/task-types.ts';
import { eventRecord, requestDigest } from './event-record.ts';
import { compressRecording, reopenRecording } from './recording-file.ts';
import { RECORDING_FORMAT, type RecordingLine } from './recording-schema.ts';

/** `scheme://user:password@host` → `scheme://***@host`, anywhere in a text. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'\\]+@/gi;

export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

/**
 * Writes `runs/<runId>/recording.ndjson` as the run goes: every line is
 * written (unbuffered) when it happens, so a crashed run leaves a readable
 * prefix and only a finished run has a footer; when the run ends the file is
 * gzipped to `recording.ndjson.gz`. A resumed run (`--resume`) continues the
 * same recording after a `resume` line. Nothing secret goes in: the header
 * lists the resolved options explicitly (never the Redis URL or the
 * environment) and every line is scrubbed of URL credentials.
 */
export class Recorder implements RunObserver {
  private fd: number | undefined;
  private seq = 0;
  /** Per task, the steps dispatched whose completion event has not come yet (the next step can start first). */
  private readonly running = new Map<string, Array<{ step: StepName; round: number }>>();
  private readonly jobs = new Map<string, { step: StepName; round: number }>();
  /** Dispatch lines held back until the previous step's event is written, so the file reads in causal order. */
  private readonly deferred = new Map<string, RecordingLine[]>();
  private readonly taskDigests: Record<string, string> = {};
  private taskCount = 0;
  private file: string | undefined;

  constructor(private readonly fileOverride?: string) {}

  runStarted(info: Parameters<NonNullable<RunObserver['runStarted']>>[0]): void {
    const file = this.fileOverride ?? info.layout.recordingFile;
    mkdirSync(dirname(file), { recursive: true });
    this.file = file;
    // Run ids are unique, so an existing recording means this run id ran before: a resumed run
    // goes on in the same recording, after a resume line.
    const previous = reopenRecording(file);
    if (previous) {
      this.fd = previous.fd;
      this.seq = Math.max(0, previous.lines - 1); // the header is not numbered
      this.write({ kind: 'resume', seq: 0, resumedAt: new Date(info.startedAt).toISOString() });
      return;
    }
    this.fd = openSync(file, 'w');
    const { scenario, loaded } = info;
    const source = scrubSecrets(loaded.source);
    this.write({
      kind: 'header',
      format: RECORDING_FORMAT,
      engineVersion: info.engineVersion,
      runId: info.runId,
      startedAt: new Date(info.startedAt).toISOString(),
      // The hash is of the text written here (scrubbed or not), so a reader can always check it.
      scenario: { name: scenario.name, file: loaded.file, source, ...(source !== loaded.source ? { hash: sha256Hex(source), redacted: true } : { hash: loaded.hash }) },
      seed: scenario.seed,
      options: { runtime: scenario.runtime, workspace: scenario.workspace, workflow: scenario.workflow, listeners: scenario.listeners },
    });
  }

  jobDispatched(info: Parameters<NonNullable<RunObserver['jobDispatched']>>[0]): void {
    const { request } = info.job;
    const at = { step: request.step, round: request.round };
    const queue = this.running.get(info.taskId) ?? [];
    this.running.set(info.taskId, queue);
    // XState starts the next step's actor before it reports the event that led there:
    // hold the dispatch back until that event is written.
    const waiting = queue.length > 0;
    queue.push(at);
    this.jobs.set(info.jobId, at);
    const line: RecordingLine = {
      kind: 'dispatch',
      seq: 0,
      taskId: info.taskId,
      persona: info.persona,
      jobId: info.jobId,
      ...at,
      request: requestDigest(request),
    };
    if (!waiting) return this.write(line);
    const held = this.deferred.get(info.taskId);
    if (held) held.push(line);
    else this.deferred.set(info.taskId, [line]);
  }

  resultReceived(info: Parameters<NonNullable<RunObserver['resultReceived']>>[0]): void {
    const at = this.jobs.get(info.jobId) ?? { step: info.envelope.result.step, round: 0 };
    this.jobs.delete(info.jobId);
    this.write({ kind: 'result', seq: 0, taskId: info.taskId, persona: info.persona, jobId: info.jobId, ...at, result: info.envelope.result, meta: info.envelope.meta });
  }

  machineEvent(info: Parameters<NonNullable<RunObserver['machineEvent']>>[0]): void {
    const at = this.stepOf(info.taskId, info.event.type);
    const { type, state, round, error } = eventRecord(info);
    this.write({
      kind: 'event',
      seq: 0,
      taskId: info.taskId,
      step: at.step,
      stepRound: at.round,
      type,
      state,
      round,
      ...(error ? { error } : {}),
    });
    this.flushDeferred(info.taskId);
  }

  taskFinished(outcome: TaskOutcome): void {
    this.flushDeferred(outcome.taskId);
    this.running.delete(outcome.taskId);
    this.taskDigests[outcome.taskId] = taskDigest(outcome);
    this.taskCount++;
  }

  runEnded(info: Parameters<NonNullable<RunObserver['runEnded']>>[0]): void {
    if (this.fd === undefined) return;
    for (const taskId of [...this.deferred.keys()]) this.flushDeferred(taskId);
    this.write({ kind: 'footer', seq: 0, status: info.status, digest: info.digest, taskCount: this.taskCount, tasks: this.taskDigests, endedAt: new Date().toISOString() });
    this.close();
    if (this.file) compressRecording(this.file);
  }

  private flushDeferred(taskId: string): void {
    const held = this.deferred.get(taskId);
    if (!held) return;
    this.deferred.delete(taskId);
    for (const line of held) this.write(line);
  }

  /** The step whose actor sent `xstate.done.actor.<id>` / `xstate.error.actor.<id>`. */
  private stepOf(taskId: string, type: string): { step: StepName; round: number } {
    const actorId = /^xstate\.(?:done|error)\.actor\.(.+)$/.exec(type)?.[1];
    const queue = this.running.get(taskId) ?? [];
    const first = queue[0];
    if (first && (first.step === actorId || (actorId === 'implement' && first.step === 'fix'))) {
      queue.shift();
      return first;
    }
    const step = STEP_NAMES.find((s) => s === actorId) ?? 'define';
    return { step, round: first?.round ?? 0 };
  }

  /** Closes the file without a footer (safe to call twice). */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  /** Writes one line now, numbered in file order. */
  private write(line: RecordingLine): void {
    if (this.fd === undefined) return;
    if (line.kind !== 'header') line.seq = this.seq++;
    writeSync(this.fd, `${scrubSecrets(JSON.stringify(line))}\n`);
  }
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
