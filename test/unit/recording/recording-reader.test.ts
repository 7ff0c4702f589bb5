import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { AspError } from '../../../src/errors.ts';
import { readRecording } from '../../../src/recording/recording-reader.ts';
import { inlineRun, SMALL_SCENARIO } from '../../support/inline-run.ts';

let dir: string;
let file: string;
let lines: string[];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asp-reader-'));
  file = (await inlineRun(SMALL_SCENARIO, dir)).file;
  lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function failure(path = file): Promise<AspError> {
  const err = await readRecording(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AspError);
  return err as AspError;
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** Writes the recording back as plain text (the reader takes plain and gzip alike). */
const writePlain = (text: string[]) => writeFileSync(file, `${text.join('\n')}\n`);

describe('readRecording', () => {
  it('reads a whole recording: header first, tasks grouped, footer last', async () => {
    const r = await readRecording(dirname(file));
    expect(r.file).toBe(file);
    expect(r.header.scenario.name).toBe('Small');
    expect(r.header.seed).toBe(5);
    expect(r.lineCount).toBe(lines.length);
    expect(r.footer?.line).toBe(lines.length);
    expect([...r.tasks.keys()].sort()).toEqual(['alpha', 'beta', 'gamma', 'gen-c3-1', 'gen-c3-2', 'gen-c3-3']);
    expect(Object.keys(r.footer?.tasks ?? {})).toHaveLength(6);
    const alpha = r.tasks.get('alpha')!;
    expect(alpha.dispatches.map((d) => d.step).slice(0, 3)).toEqual(['define', 'estimate', 'implement']);
    expect(alpha.events.length).toBe(alpha.dispatches.length);
    expect(alpha.results.size).toBe(alpha.dispatches.length);
  });

  it('names the line of invalid JSON (exit 2)', async () => {
    lines[4] = '{"kind":"result", oops';
    writeFileSync(file, `${lines.join('\n')}\n`);
    const err = await failure();
    expect(err.code).toBe('RECORDING_CORRUPT');
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(new RegExp(`^${file}:5: not valid JSON`));
    const run = await cli('replay', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:5:`);
  });

  it('says a cut-off last line was truncated mid-write', async () => {
    writePlain(lines);
    const size = readFileSync(file).length;
    truncateSync(file, size - 40);
    const err = await failure();
    expect(err.message).toMatch(new RegExp(`^${file}:${lines.length}: not valid JSON .*truncated mid-write`));
  });

  it('reads a recording without a footer (a crashed run); replay goes as far as it goes and says "incomplete" (exit 0)', async () => {
    writePlain(lines.slice(0, -1));
    expect((await readRecording(file)).footer).toBeUndefined();
    const run = await cli('replay', dirname(file));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('replay matches as far as the recording goes (incomplete)');
    expect(run.stdout).toContain('no footer');
  });

  it('stops at a line longer than the limit with its number (exit 2, no stack trace), before holding it whole', async () => {
    const huge = `{"kind":"event","seq":1,"taskId":"${'x'.repeat(17 * 1024 * 1024)}"}`;
    writePlain([lines[0]!, lines[1]!, huge, ...lines.slice(2)]);
    const err = await failure();
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(`${file}:3: a line longer than ${16 * 1024 * 1024} bytes: no recording line is that long`);
    const run = await cli('replay', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:3: a line longer than`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('checks the scenario hash of a header marked "redacted" too', async () => {
    const header = JSON.parse(lines[0]!);
    header.scenario.redacted = true;
    header.scenario.source = header.scenario.source.replace('seed: 5', 'seed: 6');
    writePlain([JSON.stringify(header), ...lines.slice(1)]);
    expect((await failure()).message).toMatch(/:1: the recorded scenario text does not match its hash/);
    expect((await cli('replay', file)).code).toBe(2);
  });

  it('names the line and field that fails the schema', async () => {
    const index = lines.findIndex((l) => l.includes('"kind":"result"'));
    const line = JSON.parse(lines[index]!);
    delete line.result.minutes;
    lines[index] = JSON.stringify(line);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const err = await failure();
    expect(err.message).toMatch(new RegExp(`^${file}:${index + 1}: a "result" line that does not match the recording format: result.minutes`));
  });

  it('rejects lines out of place: no header first, lines after the footer, an edited scenario, empty files', async () => {
    writeFileSync(file, `${lines.slice(1).join('\n')}\n`);
    expect((await failure()).message).toMatch(/:1: expected the header line first, found a "dispatch" line/);

    writeFileSync(file, `${lines.join('\n')}\n`);
    appendFileSync(file, `${lines[1]}\n`);
    expect((await failure()).message).toMatch(new RegExp(`:${lines.length + 1}: a "dispatch" line after the footer \\(line ${lines.length}\\)`));

    const header = JSON.parse(lines[0]!);
    header.scenario.source = header.scenario.source.replace('seed: 5', 'seed: 6');
    writeFileSync(file, `${[JSON.stringify(header), ...lines.slice(1)].join('\n')}\n`);
    expect((await failure()).message).toMatch(/:1: the recorded scenario text does not match its hash/);

    writeFileSync(file, '');
    expect((await failure()).message).toMatch(/:1: the recording is empty/);
  });

  it('says which format a newer recording has', async () => {
    const header = JSON.parse(lines[0]!);
    header.format = 99;
    writeFileSync(file, `${[JSON.stringify(header), ...lines.slice(1)].join('\n')}\n`);
    expect((await failure()).message).toMatch(/:1: recording format 99; this engine reads format 2/);
  });

  it('a run of the same id again (a resume) goes on in the same recording after a resume line, and replays', async () => {
    const runId = JSON.parse(lines[0]!).runId as string;
    await inlineRun(SMALL_SCENARIO, dir, { runId, dbPath: join(dir, 'second.db') });
    const all = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
    expect(all.slice(0, lines.length)).toEqual(lines);
    expect(JSON.parse(all[lines.length]!)).toMatchObject({ kind: 'resume', seq: lines.length - 1 });
    const r = await readRecording(file);
    expect(r.resumes).toBe(1);
    expect(r.tasks.get('alpha')!.attempt).toBe(1);
    const run = await cli('replay', file);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✔ replay matches');
  });

  it('reports a missing file clearly (exit 2)', async () => {
    const err = await failure(join(dir, 'nope'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/nope: cannot read the recording \(ENOENT\)/);
  });
});
