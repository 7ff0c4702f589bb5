import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PersonaAgent } from '../../../src/agents/persona-agent.ts';
import { SimulatedSarah } from '../../../src/agents/simulated-sarah.ts';
import { main } from '../../../src/cli/main.ts';
import { readRecording } from '../../../src/recording/recording-reader.ts';
import { replayRecording } from '../../../src/recording/replayer.ts';
import { openRecording, type RecordedRun } from '../../../src/recording/recording-stream.ts';
import { inlineRun, SMALL_SCENARIO } from '../../support/inline-run.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asp-replay-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

// Tests edit arbitrary recorded JSON in place.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonLine = Record<string, any>;

/** Rewrites the first line matching `pick`, changing it with `change`; returns its 1-based line number. */
function editLine(file: string, pick: (line: JsonLine) => boolean, change: (line: JsonLine) => void): number {
  const bytes = readFileSync(file);
  // Gzip as the recorder leaves it, plain once a test rewrote it (the reader takes both).
  const lines = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8').trimEnd().split('\n');
  const index = lines.findIndex((l) => pick(JSON.parse(l)));
  expect(index).toBeGreaterThan(0);
  const line = JSON.parse(lines[index]!);
  change(line);
  lines[index] = JSON.stringify(line);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return index + 1;
}

/** Both ways to hand replay a recording: read whole (readRecording), and streamed as `asp replay` does (openRecording). */
const READERS: Array<[string, (path: string) => Promise<Parameters<typeof replayRecording>[0]>]> = [
  ['read whole', (path) => readRecording(path)],
  ['streamed', (path) => openRecording(path)],
];

describe.each(READERS)('replay of an in-process recording (%s)', (_, open) => {
  it('re-drives every task and matches every transition and digest', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const report = await replayRecording(await open(run.file));
    expect(report.status).toBe('match');
    expect(report.tasks).toBe(6);
    expect(report.digest).toEqual({ expected: run.digest, actual: run.digest });
    expect(report.events).toBeGreaterThanOrEqual(6 * 5);
  });

  it('reports a flipped review verdict at exactly the event that consumed it', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    let target: { taskId: string; round: number } | undefined;
    const resultLine = editLine(
      run.file,
      (l) => l.kind === 'result' && l.step === 'review' && l.taskId === 'gamma',
      (l) => {
        l.result.verdict = l.result.verdict === 'approved' ? 'changes_requested' : 'approved';
        target = { taskId: l.taskId, round: l.round };
      },
    );
    const recording = await readRecording(run.file);
    const expectedEvent = recording.tasks.get(target!.taskId)!.events.find((e) => e.step === 'review' && e.stepRound === target!.round)!;
    const report = await replayRecording(await open(run.file));
    expect(report.status).toBe('diverged');
    expect(report.divergence).toMatchObject({ kind: 'event', taskId: 'gamma', step: 'review', round: target!.round, line: expectedEvent.line, resultLine });
    expect(report.divergence!.expected).toContain('xstate.done.actor.review');
    expect(report.divergence!.expected).not.toEqual(report.divergence!.actual);

    const { out, io: cli } = io();
    expect(await main(['replay', run.file], cli)).toBe(1);
    expect(out.stdout).toContain(`${run.file}:${expectedEvent.line}`);
    expect(out.stdout).toContain('task gamma, step review');
  });

  it('reports a changed number in an implement result (same states): the task digest differs', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    // Done events carry no copy of the result, so the edit shows in what it changes: beta's outcome.
    editLine(
      run.file,
      (l) => l.kind === 'result' && l.step === 'implement' && l.taskId === 'beta',
      (l) => void (l.result.minutes += 1),
    );
    const report = await replayRecording(await open(run.file));
    expect(report.status).toBe('diverged');
    expect(report.divergence).toMatchObject({ kind: 'task-digest', taskId: 'beta' });
  });

  it('reports a task digest that does not match the footer', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const footerLine = editLine(
      run.file,
      (l) => l.kind === 'footer',
      (l) => void (l.tasks.alpha = '0'.repeat(64)),
    );
    const report = await replayRecording(await open(run.file));
    expect(report.divergence).toMatchObject({ kind: 'task-digest', taskId: 'alpha', line: footerLine, expected: '0'.repeat(64) });
  });

  it('reports the root cause, not its consequences in later steps and cycles', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    // alpha's actual size changes its review request and cycle 2's PROBE history too; the first line is alpha's implement event.
    editLine(
      run.file,
      (l) => l.kind === 'footer',
      (l) => void l,
    );
    editLine(
      run.file,
      (l) => l.kind === 'result' && l.step === 'implement' && l.taskId === 'alpha',
      (l) => void (l.result.size.addedModified += 7),
    );
    const report = await replayRecording(await open(run.file));
    // The first difference is alpha's own next request (its review, built from the size), before any later-cycle request.
    expect(report.divergence).toMatchObject({ kind: 'request', taskId: 'alpha', step: 'review' });
  });

  it('reports a step request the machine now builds differently', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const line = editLine(
      run.file,
      (l) => l.kind === 'dispatch' && l.step === 'estimate' && l.taskId === 'gamma',
      (l) => void (l.request = 'f'.repeat(64)),
    );
    const report = await replayRecording(await open(run.file));
    expect(report.divergence).toMatchObject({ kind: 'request', taskId: 'gamma', step: 'estimate', round: 0, line });
    expect(report.divergence!.expected).toBe(`estimate round 0 request ${'f'.repeat(12)}`);
  });

  it('replays failed steps by rethrowing the recorded error', async () => {
    const sarah = new SimulatedSarah();
    // A failure of the simulated team (its agent says so: "simulated …"); any other failure stops the run instead.
    const crashing: PersonaAgent = {
      run: async (ctx) => {
        if (ctx.job.request.taskId === 'beta' && ctx.job.request.step === 'review') throw new Error('simulated review failure of beta');
        return sarah.run(ctx);
      },
    };
    const run = await inlineRun(SMALL_SCENARIO, dir, { agents: { sarah: crashing } });
    const recording = await readRecording(run.file);
    const failed = recording.tasks.get('beta')!.events.at(-1)!;
    expect(failed).toMatchObject({ type: 'xstate.error.actor.review', state: 'failed', step: 'review', error: { message: 'simulated review failure of beta' } });
    const report = await replayRecording(await open(run.file));
    expect(report.status).toBe('match');
    expect(report.digest.actual).toBe(run.digest);
  });
});

/** The recording of `file` cut after its first `keep` lines, as a run killed mid-way leaves it (plain, no footer). */
function cutRecording(file: string, keep: number, out: string): string[] {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n').slice(0, keep);
  expect(lines.some((l) => JSON.parse(l).kind === 'footer')).toBe(false);
  writeFileSync(out, `${lines.join('\n')}\n`);
  return lines;
}

describe.each(READERS)('replay of a run that never finished (no footer) (%s)', (_, open) => {
  it('replays as far as the recording goes, says "incomplete" and exits 0', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const total = gunzipSync(readFileSync(run.file)).toString('utf8').trimEnd().split('\n').length;
    const cut = join(dir, 'cut.ndjson');
    // Cut where a step was dispatched and its result never came back.
    const lines = gunzipSync(readFileSync(run.file)).toString('utf8').trimEnd().split('\n');
    const lastDispatch = lines.findLastIndex((l, i) => i < total * 0.6 && JSON.parse(l).kind === 'dispatch');
    cutRecording(run.file, lastDispatch + 1, cut);
    const report = await replayRecording(await open(cut));
    expect(report).toMatchObject({ status: 'match', incomplete: true });
    expect(report.stalled).toBeGreaterThanOrEqual(1);
    expect(report.tasks + report.stalled).toBeGreaterThanOrEqual(1);
    const { out, io: cli } = io();
    expect(await main(['replay', cut], cli)).toBe(0);
    expect(out.stdout).toContain('incomplete');
    expect(out.stdout).toContain(`--resume ${run.runId}`);
  }, 30_000);

  it('still finds a tampered line before the cut', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const total = gunzipSync(readFileSync(run.file)).toString('utf8').trimEnd().split('\n').length;
    const cut = join(dir, 'cut.ndjson');
    cutRecording(run.file, total - 2, cut);
    editLine(
      cut,
      (l) => l.kind === 'result' && l.step === 'review' && l.taskId === 'alpha',
      (l) => void (l.result.verdict = l.result.verdict === 'approved' ? 'changes_requested' : 'approved'),
    );
    const report = await replayRecording(await open(cut));
    expect(report.status).toBe('diverged');
    expect(report.divergence).toMatchObject({ taskId: 'alpha' });
    const { io: cli } = io();
    expect(await main(['replay', cut], cli)).toBe(1);
  }, 30_000);
});

describe('streamed replay (openRecording)', () => {
  it('lets go of every task it replayed: what it holds is the tasks in flight, not the recording', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const recorded = await readRecording(run.file);
    const streamed: RecordedRun = await openRecording(run.file);
    expect(streamed.lineCount).toBe(recorded.lineCount);
    expect(streamed.footer).toEqual(recorded.footer);
    expect([...streamed.taskIds()]).toEqual([...recorded.tasks.keys()]);
    const report = await replayRecording(streamed);
    expect(report.status).toBe('match');
    for (const taskId of recorded.tasks.keys()) expect(streamed.task(taskId)).toBeUndefined();
  });

  it('loads a task whole before its first step: the same lines as the whole read', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const recorded = await readRecording(run.file);
    const streamed = await openRecording(run.file);
    for (const taskId of ['gamma', 'alpha', 'gen-c3-2']) {
      await streamed.load(taskId);
      expect(streamed.task(taskId)).toEqual(recorded.tasks.get(taskId));
    }
  });

  it('a bad line after the tasks it needed still fails the replay with exit 2, naming the line', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const line = editLine(
      run.file,
      (l) => l.kind === 'result' && l.taskId === 'gen-c3-3' && l.step === 'accept',
      (l) => void (l.result.minutes = 'many'),
    );
    const err = await replayRecording(await openRecording(run.file)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RECORDING_CORRUPT', exitCode: 2 });
    expect((err as Error).message).toContain(`${run.file}:${line}:`);
    const { out, io: cli } = io();
    expect(await main(['replay', run.file], cli)).toBe(2);
    expect(out.stderr).toContain(`${run.file}:${line}:`);
  });

  it('a resumed run’s recording is read whole (its tasks’ last attempts are known only at its end) and replays the same', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const lines = gunzipSync(readFileSync(run.file)).toString('utf8').trimEnd().split('\n');
    const plain = join(dir, 'resumed.ndjson');
    // A resume line after the footer, with nothing after it: the recording is then incomplete.
    writeFileSync(plain, `${[...lines, JSON.stringify({ kind: 'resume', seq: lines.length - 1, resumedAt: new Date(0).toISOString() })].join('\n')}\n`);
    const streamed = await openRecording(plain);
    expect(streamed.resumes).toBe(1);
    const whole = await replayRecording(await readRecording(plain));
    expect(await replayRecording(streamed)).toMatchObject({ status: whole.status, incomplete: whole.incomplete, tasks: whole.tasks, events: whole.events });
  });
});
