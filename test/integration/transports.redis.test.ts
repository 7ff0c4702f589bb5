import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCommandAgent } from '../../src/agents/agent-team.ts';
import { Recorder } from '../../src/recording/recorder.ts';
import { readRecording, recordingPath } from '../../src/recording/recording-reader.ts';
import { replayRecording } from '../../src/recording/replayer.ts';
import { simulate } from '../../src/runner/simulate.ts';
import { loadScenarioFile } from '../../src/scenario/scenario-loader.ts';
import { REDIS_URL, REPO, TempRun } from '../support/temp-run.ts';

/**
 * One engine, three transports: every shipped scenario gives the same outcome
 * digest on the persona queues (real Redis, listener processes), in process
 * (inline), and replayed from the queue run's recording; a regression
 * scenario's digest is also its committed baseline's. Scenarios played by
 * command agents are not deterministic (an external program acts), so they
 * are not among them.
 */
const SCENARIOS = [
  ...readdirSync(join(REPO, 'scenarios'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join('scenarios', f)),
  ...readdirSync(join(REPO, 'scenarios/regression'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join('scenarios/regression', f)),
]
  .filter((f) => !hasCommandAgent(loadScenarioFile(join(REPO, f)).scenario))
  .sort();

const temp = new TempRun();
afterAll(() => temp.cleanup());

describe('the same digest on every transport', () => {
  it('ships scenarios to check', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(8);
  });

  for (const file of SCENARIOS) {
    it(`${file}: queue = inline = recording${file.includes('regression/') ? ' = baseline' : ''} (deterministic scenarios)`, { timeout: 600_000 }, async () => {
      const scenarioFile = join(REPO, file);
      const queue = await simulate({ scenarioFile, layout: temp.layout, redisUrl: REDIS_URL, transport: 'queue', observers: [new Recorder()], logLevel: 'warn' });
      const inline = await simulate({ scenarioFile, layout: temp.layout, transport: 'inline', observers: [], logLevel: 'warn' });
      expect(queue.status).toBe('completed');
      expect(inline.status).toBe('completed');
      expect(inline.summary.totals.tasks).toBe(queue.summary.totals.tasks);
      // Command agents (measured wall-clock time) make a run non-deterministic: its digest is its own.
      if (queue.summary.deterministic) expect(inline.digest).toBe(queue.digest);
      else expect(inline.summary.deterministic).toBe(false);

      const replay = await replayRecording(await readRecording(recordingPath(queue.layout.runDir)));
      expect(replay.divergence).toBeUndefined();
      expect(replay.digest).toEqual({ expected: queue.digest, actual: queue.digest });

      if (file.includes('regression/')) {
        const name = file.replace(/^.*\//, '').replace(/\.yaml$/, '');
        const baseline = JSON.parse(readFileSync(join(REPO, 'test/baselines', `${name}.json`), 'utf8')) as { digest: string };
        expect(queue.digest).toBe(baseline.digest);
      }
    });
  }
});
