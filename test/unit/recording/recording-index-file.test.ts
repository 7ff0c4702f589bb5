import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressRecording, reopenRecording } from '../../../src/recording/recording-file.ts';
import { indexPath, readIndexFile } from '../../../src/recording/recording-index-file.ts';
import { indexRecording } from '../../../src/recording/recording-index.ts';
import { MAX_LINE_BYTES } from '../../../src/recording/recording-bytes.ts';
import { openRecording } from '../../../src/recording/recording-stream.ts';
import { replayRecording } from '../../../src/recording/replayer.ts';
import { inlineRun, SMALL_SCENARIO } from '../../support/inline-run.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asp-index-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type IndexJson = { footer: { line: number; text: string }; tasks: Array<[string, number]>; recording: { bytes: number; sha256: string } };
const readJson = (file: string) => JSON.parse(readFileSync(indexPath(file), 'utf8')) as IndexJson;
const FAKE_DIGEST = 'f'.repeat(64);

/** The sidecar with the footer's outcome digest changed: replay holds the run against it only if it read the index. */
function tamperFooterDigest(file: string): void {
  const json = readJson(file);
  const footer = JSON.parse(json.footer.text) as { digest: string };
  footer.digest = FAKE_DIGEST;
  json.footer.text = JSON.stringify(footer);
  writeFileSync(indexPath(file), JSON.stringify(json));
}

describe('the index beside a finished recording', () => {
  it('is written as the recording is compressed, and says what the first pass over the file says', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    expect(existsSync(indexPath(run.file))).toBe(true);
    const fromFile = readIndexFile(run.file);
    const firstPass = await indexRecording(run.file, MAX_LINE_BYTES);
    expect(fromFile).toBeDefined();
    expect(fromFile).toEqual(firstPass);
    expect([...(fromFile?.lastLines.keys() ?? [])]).toHaveLength(6);
  });

  it('is what replay starts from while it names the recording as it is', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    tamperFooterDigest(run.file);
    const report = await replayRecording(await openRecording(run.file));
    expect(report.digest.expected).toBe(FAKE_DIGEST);
    expect(report.status).toBe('diverged');
    expect(report.divergence?.kind).toBe('outcome-digest');
  });

  it('is ignored once the recording changed (same lines, other bytes): replay indexes the file itself and matches', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    tamperFooterDigest(run.file);
    writeFileSync(run.file, gzipSync(gunzipSync(readFileSync(run.file)), { level: 1 }));
    expect(readIndexFile(run.file)).toBeUndefined();
    const report = await replayRecording(await openRecording(run.file));
    expect(report.status).toBe('match');
    expect(report.digest).toEqual({ expected: run.digest, actual: run.digest });
  });

  it.each([
    ['not JSON', () => '{"kind":"recording-index",'],
    ['another kind of file', () => '{"kind":"something-else"}'],
    ['a task line past the end', (j: IndexJson) => JSON.stringify({ ...j, tasks: [['load-1', 10_000_000]] })],
    ['a task entry that is not a pair', (j: IndexJson) => JSON.stringify({ ...j, tasks: [['load-1']] })],
    ['a footer without text', (j: IndexJson) => JSON.stringify({ ...j, footer: { line: 3 } })],
  ])('is ignored when it is %s, and replay still matches', async (_, content) => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    writeFileSync(indexPath(run.file), content(readJson(run.file)));
    expect(readIndexFile(run.file)).toBeUndefined();
    const report = await replayRecording(await openRecording(run.file));
    expect(report.status).toBe('match');
  });

  it('goes when a resumed run unpacks the recording, and comes back when it is compressed again', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const plain = run.file.replace(/\.gz$/, '');
    const reopened = reopenRecording(plain);
    expect(reopened).toBeDefined();
    expect(existsSync(indexPath(run.file))).toBe(false);
    const { closeSync } = await import('node:fs');
    closeSync(reopened!.fd);
    compressRecording(plain);
    expect(readIndexFile(run.file)).toEqual(await indexRecording(run.file, MAX_LINE_BYTES));
  });
});

describe('an index edited by hand (it still names the recording)', () => {
  it('stops the replay with exit 2, naming the line and the index file to delete', async () => {
    const run = await inlineRun(SMALL_SCENARIO, dir);
    const json = readJson(run.file);
    const [taskId, last] = json.tasks[0]!;
    json.tasks[0] = [taskId, last - 1];
    writeFileSync(indexPath(run.file), JSON.stringify(json));
    const err = (await replayRecording(await openRecording(run.file)).catch((e: unknown) => e)) as { code?: string; exitCode?: number; message?: string; hint?: string };
    expect(err.code).toBe('RECORDING_CORRUPT');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`${run.file}:${last}: a line of task ${taskId}`);
    expect(err.hint).toContain(`delete ${indexPath(run.file)}`);
  });
});
