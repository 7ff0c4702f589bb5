import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../../src/recording/recorder.ts';
import { RecordingLineSchema } from '../../../src/recording/recording-schema.ts';
import { ENGINE_VERSION } from '../../../src/version.ts';
import { inlineRun, SMALL_SCENARIO } from '../../support/inline-run.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asp-recorder-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const parse = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => RecordingLineSchema.parse(JSON.parse(l)));

describe('Recorder', () => {
  it('writes each line as it happens: mid-run the file is a readable prefix without a footer', async () => {
    const seen: number[] = [];
    let file = '';
    await inlineRun(SMALL_SCENARIO, dir, {
      observers: [
        {
          runStarted: (info) => void (file = info.layout.recordingFile),
          taskFinished: () => void seen.push(parse(file).length),
          cycleFinished: () => expect(parse(file).some((l) => l.kind === 'footer')).toBe(false),
        },
      ],
    });
    expect(seen).toHaveLength(6);
    expect(seen[0]).toBeGreaterThan(5);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(parse(file).at(-1)!.kind).toBe('footer');
  });

  it('records header, then per task dispatch → result → event in causal order, numbered in file order', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const lines = parse(run.file);
    const [header, ...rest] = lines;
    expect(header).toMatchObject({ kind: 'header', format: 1, engineVersion: ENGINE_VERSION, seed: 5, options: { workspace: 'none', workflow: { maxReviewRounds: 4 } } });
    expect(rest.map((l) => ('seq' in l ? l.seq : -1))).toEqual(rest.map((_, i) => i));
    const alpha = rest.filter((l) => 'taskId' in l && l.taskId === 'alpha').map((l) => `${l.kind}:${'step' in l ? l.step : ''}`);
    expect(alpha.slice(0, 6)).toEqual(['dispatch:define', 'result:define', 'event:define', 'dispatch:estimate', 'result:estimate', 'event:estimate']);
    const estimate = rest.find((l) => l.kind === 'dispatch' && l.step === 'estimate');
    expect(estimate && 'job' in estimate && estimate.job.request).toMatchObject({ step: 'estimate', historyPoints: 4 });
    expect(estimate && 'job' in estimate && 'history' in estimate.job.request).toBe(false);
    expect(estimate && 'job' in estimate && 'model' in estimate.job).toBe(false);
    const footer = lines.at(-1)!;
    expect(footer).toMatchObject({ kind: 'footer', status: run.status, digest: run.digest, taskCount: 6 });
  });

  it('never writes URL credentials', async () => {
    const scenario = SMALL_SCENARIO.replace('name: Small', 'name: Small\ndescription: results go to redis://admin:s3cret@cache.internal:6379/0');
    const run = await inlineRun(scenario, dir);
    const text = readFileSync(run.file, 'utf8');
    expect(text).not.toContain('s3cret');
    expect(text).toContain('redis://***@cache.internal:6379/0');
    expect(parse(run.file)[0]).toMatchObject({ scenario: { redacted: true } });
    expect(scrubSecrets('see https://user:pa55@example.com/x and redis://127.0.0.1:6379')).toBe('see https://***@example.com/x and redis://127.0.0.1:6379');
  });
});
