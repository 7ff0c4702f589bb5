import { defaultObservers } from '../../src/cli/default-observers.ts';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording } from '../../src/recording/recording-reader.ts';
import type { LiveReplayReport } from '../../src/cli/live-replay.ts';
import type { ReplayReport } from '../../src/recording/replayer.ts';
import { simulate, type SimulationResult } from '../../src/runner/simulate.ts';
import { pacedScenario, runWithSteps, until } from '../support/fault-helpers.ts';
import { lastJson, REDIS_URL, runCli, startCli, TempRun } from '../support/temp-run.ts';

/** Two cycles, rework from a nitpicking reviewer, several tasks in flight. */
const SCENARIO = `
name: Replay check
seed: 99
workspace: none
workflow: { maxReviewRounds: 4, concurrency: 6 }
personas:
  sarah: { reviewYield: 0.8, nitpickRate: 0.3 }
  alex: { defectRate: 40 }
history:
  points:
    - { proxySize: 130, planSize: 163, actualSize: 186, actualHours: 15.0 }
    - { proxySize: 650, planSize: 765, actualSize: 699, actualHours: 69.9 }
    - { proxySize: 99, planSize: 141, actualSize: 132, actualHours: 6.5 }
    - { proxySize: 150, planSize: 166, actualSize: 272, actualHours: 22.4 }
cycles:
  - tasks:
      - { id: alpha, title: Alpha, proxySize: 120 }
      - { id: beta, title: Beta, proxySize: 80 }
      - { id: gamma, title: Gamma, proxySize: 200 }
  - generate: { count: 5, idPrefix: gen, proxySize: { median: 100 } }
`;

let temp: TempRun;
let scenarioFile: string;
let run: SimulationResult;

beforeAll(async () => {
  temp = new TempRun();
  scenarioFile = join(temp.dir, 'replay-check.yaml');
  writeFileSync(scenarioFile, SCENARIO);
  run = await simulate({ observers: defaultObservers(), scenarioFile, layout: temp.layout, redisUrl: REDIS_URL, listenerConcurrency: 4 });
});
afterAll(() => temp?.cleanup());

/** A copy of the run's recording with one line changed; returns the copy and the changed line number. */
function copyWith(name: string, change: (lines: string[]) => number): { dir: string; file: string; line: number } {
  const dir = join(temp.dir, name);
  cpSync(run.layout.runDir, dir, { recursive: true });
  // The finished recording is gzip; the edited copy is written back as plain text (the reader takes both).
  const file = join(dir, 'recording.ndjson.gz');
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
  const line = change(lines);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, file, line };
}

describe('asp replay (a real run through Redis and the listeners)', () => {
  it('replays the recording offline: every transition and digest matches (exit 0)', async () => {
    expect(run.summary.totals.tasks).toBe(8);
    expect(run.summary.totals.reviewRounds).toBeGreaterThan(8); // rework happened
    const result = await runCli(['replay', run.layout.runDir, '--json'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(0);
    const report = lastJson<ReplayReport>(result.stdout);
    expect(report).toMatchObject({ status: 'match', runId: run.runId, tasks: 8, digest: { expected: run.digest, actual: run.digest } });
    expect(report.events).toBe(report.dispatches);
    const text = await runCli(['replay', run.layout.runDir]);
    expect(text.stdout).toMatch(/^✔ replay matches: run-\S+ \(Replay check, seed 99\)/);
  });

  it('records no Redis URL, header options as resolved, and a footer with every task digest', async () => {
    const text = gunzipSync(readFileSync(`${run.layout.recordingFile}.gz`)).toString('utf8');
    expect(text).not.toContain('redis://');
    const recording = await readRecording(run.layout.runDir);
    expect(recording.header.options).toMatchObject({ workspace: 'none', runtime: 'process', listeners: { perPersona: 1, concurrency: 4 }, workflow: { concurrency: 6 } });
    expect(Object.keys(recording.footer!.tasks)).toHaveLength(8);
    expect(recording.footer).toMatchObject({ status: run.status, digest: run.digest, taskCount: 8 });
  });

  it('reports a flipped result at exactly the event that consumed it (exit 1)', async () => {
    let target = { taskId: '', step: '', round: -1 };
    const copy = copyWith('flipped', (lines) => {
      const index = lines.findIndex((l) => l.includes('"kind":"result"') && l.includes('"step":"review"') && l.includes('"taskId":"gen-c2-3"'));
      const line = JSON.parse(lines[index]!);
      line.result.verdict = line.result.verdict === 'approved' ? 'changes_requested' : 'approved';
      target = { taskId: line.taskId, step: line.step, round: line.round };
      lines[index] = JSON.stringify(line);
      // The event that consumed it: the first event line of that task and step round after the result.
      return lines.findIndex((l, i) => i > index && l.includes('"kind":"event"') && l.includes(`"taskId":"${target.taskId}"`)) + 1;
    });
    const result = await runCli(['replay', copy.dir, '--json']);
    expect(result.code).toBe(1);
    const report = lastJson<ReplayReport>(result.stdout);
    expect(report.status).toBe('diverged');
    expect(report.divergence).toMatchObject({ kind: 'event', line: copy.line, taskId: target.taskId, step: 'review', round: target.round });
    const text = await runCli(['replay', copy.dir]);
    expect(text.stdout).toContain(`first difference (transition) at ${copy.file}:${copy.line} — task ${target.taskId}, step review, round ${target.round}`);
    expect(text.stdout).toMatch(/expected {2}xstate\.done\.actor\.review → \w+ \(round \d\)\n {2}actual {4}xstate\.done\.actor\.review → /);
  });

  it('replays a recording without its footer as far as it goes ("incomplete", exit 0); rejects a corrupt line, naming the file and line (exit 2)', async () => {
    const cut = copyWith('truncated', (lines) => {
      lines.pop();
      return lines.length + 1;
    });
    const truncated = await runCli(['replay', cut.dir]);
    expect(truncated.code).toBe(0);
    expect(truncated.stdout).toContain('replay matches as far as the recording goes (incomplete)');

    const bad = copyWith('corrupt', (lines) => {
      lines[7] = lines[7]!.slice(0, 30);
      return 8;
    });
    const corrupt = await runCli(['replay', bad.file]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toContain(`${bad.file}:8: not valid JSON`);
  });

  it('--live re-runs the recorded scenario and seed through the queues: digests match (exit 0); a changed task digest is reported (exit 1)', async () => {
    const live = await runCli(['replay', run.layout.runDir, '--live', '--json', ...temp.cliArgs()]);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const report = lastJson<LiveReplayReport>(live.stdout);
    expect(report).toMatchObject({ status: 'match', recordedRunId: run.runId, tasks: 8, differingTasks: 0, digest: { expected: run.digest, actual: run.digest } });
    expect(report.runId).not.toBe(run.runId);

    const tampered = copyWith('tampered', (lines) => {
      const footer = JSON.parse(lines[lines.length - 1]!);
      footer.tasks.beta = '0'.repeat(64);
      lines[lines.length - 1] = JSON.stringify(footer);
      return lines.length;
    });
    const changed = await runCli(['replay', tampered.dir, '--live', ...temp.cliArgs()]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('✖ live re-run differs');
    expect(changed.stdout).toContain(`beta: expected ${'0'.repeat(12)}, actual `);
  });
});

describe('determinism: the same scenario and seed give the same digest however listeners are scaled', () => {
  it.each([
    // The reference run has 1 listener per persona with concurrency 4.
    ['1 listener per persona, listener concurrency 1', { listenerConcurrency: 1, listenersPerPersona: 1 }],
    ['3 listeners per persona, listener concurrency 16', { listenerConcurrency: 16, listenersPerPersona: 3 }],
  ])('%s', async (_name, options) => {
    const other = await simulate({ observers: defaultObservers(), scenarioFile, layout: temp.layout, redisUrl: REDIS_URL, ...options });
    expect(other.digest).toBe(run.digest);
    const [a, b] = await Promise.all([readRecording(run.layout.runDir), readRecording(other.layout.runDir)]);
    expect(b.footer!.tasks).toEqual(a.footer!.tasks);
    expect(b.header.options.listeners).toEqual({ perPersona: options.listenersPerPersona, concurrency: options.listenerConcurrency });
    // Each recording replays on its own.
    const replay = await runCli(['replay', other.layout.runDir]);
    expect(replay.code).toBe(0);
  });
});

describe('replay of a run that was killed and resumed (real processes, real Redis)', () => {
  it('a run killed (SIGKILL) replays as far as it went (incomplete, exit 0); finished with --resume, its recording holds both attempts and replays (exit 0, match)', async () => {
    const t = new TempRun();
    try {
      const file = join(t.dir, 'paced.yaml');
      writeFileSync(file, pacedScenario(300));
      const cli = startCli(['simulate', file, ...t.cliArgs()]);
      const runId = await until(() => runWithSteps(t.dbPath, 5), 90_000, 'five stored steps');
      cli.child.kill('SIGKILL');
      await cli.result;
      // The killed run's recording, as it was left: replayed as far as it goes.
      const killed = await runCli(['replay', join(t.runsDir, runId), '--json']);
      expect(killed.code).toBe(0);
      expect(lastJson<ReplayReport>(killed.stdout)).toMatchObject({ status: 'match', incomplete: true });
      const resumed = await runCli(['simulate', '--resume', runId, '--json', ...t.cliArgs()], {}, 180_000);
      expect(resumed.code).toBe(0);
      const digest = lastJson<{ digest: string }>(resumed.stdout).digest;
      const recording = await readRecording(join(t.runsDir, runId));
      expect(recording.resumes).toBe(1);
      const replay = await runCli(['replay', join(t.runsDir, runId), '--json']);
      expect(replay.stderr).toBe('');
      expect(replay.code).toBe(0);
      expect(lastJson<ReplayReport>(replay.stdout)).toMatchObject({ status: 'match', tasks: 4, digest: { expected: digest, actual: digest } });
    } finally {
      t.cleanup();
    }
  }, 300_000);
});
