import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
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

/** The recording's text: plain while the run writes it, gzip once it ended. */
const text = (file: string) => (file.endsWith('.gz') ? gunzipSync(readFileSync(file)).toString('utf8') : readFileSync(file, 'utf8'));
const parse = (file: string) =>
  text(file)
    .trimEnd()
    .split('\n')
    .map((l) => RecordingLineSchema.parse(JSON.parse(l)));

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
    expect(existsSync(file)).toBe(false);
    expect(parse(`${file}.gz`).at(-1)!.kind).toBe('footer');
  });

  it('records header, then per task dispatch → result → event in causal order, numbered in file order', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const lines = parse(run.file);
    const [header, ...rest] = lines;
    expect(header).toMatchObject({ kind: 'header', format: 2, engineVersion: ENGINE_VERSION, seed: 5, options: { workspace: 'none', workflow: { maxReviewRounds: 4 } } });
    expect(rest.map((l) => ('seq' in l ? l.seq : -1))).toEqual(rest.map((_, i) => i));
    const alpha = rest.filter((l) => 'taskId' in l && l.taskId === 'alpha').map((l) => `${l.kind}:${'step' in l ? l.step : ''}`);
    expect(alpha.slice(0, 6)).toEqual(['dispatch:define', 'result:define', 'event:define', 'dispatch:estimate', 'result:estimate', 'event:estimate']);
    // No job payloads: a dispatch is its step, round and request digest; a done event carries no copy of the result.
    const estimate = rest.find((l) => l.kind === 'dispatch' && l.step === 'estimate');
    expect(Object.keys(estimate ?? {}).sort()).toEqual(['jobId', 'kind', 'persona', 'request', 'round', 'seq', 'step', 'taskId']);
    expect(rest.filter((l) => l.kind === 'event').every((l) => !('output' in l))).toBe(true);
    // At most 400 bytes per machine event on disk.
    expect(statSync(run.file).size / rest.filter((l) => l.kind === 'event').length).toBeLessThan(400);
    const footer = lines.at(-1)!;
    expect(footer).toMatchObject({ kind: 'footer', status: run.status, digest: run.digest, taskCount: 6 });
  });

  it('never writes URL credentials', async () => {
    const scenario = SMALL_SCENARIO.replace('name: Small', 'name: Small\ndescription: results go to redis://admin:s3cret@cache.internal:6379/0');
    const run = await inlineRun(scenario, dir);
    const written = text(run.file);
    expect(written).not.toContain('s3cret');
    expect(written).toContain('redis://***@cache.internal:6379/0');
    // The hash is of the scrubbed text written, so a reader checks it as for any recording.
    const header = parse(run.file)[0]!;
    expect(header).toMatchObject({ scenario: { redacted: true } });
    expect(header.kind === 'header' && createHash('sha256').update(header.scenario.source).digest('hex')).toBe(header.kind === 'header' && header.scenario.hash);
    expect(scrubSecrets('see https://user:pa55@example.com/x and redis://127.0.0.1:6379')).toBe('see https://***@example.com/x and redis://127.0.0.1:6379');
  });
});
