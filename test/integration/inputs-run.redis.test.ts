import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/engine/run-summary-types.ts';
import { lastJson, runCli, TempRun } from '../support/temp-run.ts';

/** Inputs that reach a real run (real Redis, listeners, SQLite): seeds kept as given, names that carry terminal escapes. */
let temp: TempRun | undefined;
afterEach(() => {
  temp?.cleanup();
  temp = undefined;
});

const SCENARIO = (name: string) => `name: "${name}"\nworkspace: none\ncycles:\n  - name: "C\\e[31m1"\n    tasks: [{ id: a, title: A, proxySize: 40 }]\n`;

describe('inputs that reach a run', () => {
  it('a text seed such as "007" stays "007" in the run and on --resume (not the number 7)', async () => {
    temp = new TempRun();
    const file = join(temp.dir, 'seed.yaml');
    writeFileSync(file, SCENARIO('Seeds'));
    const first = await runCli(['simulate', file, '--seed', '007', '--json', ...temp.cliArgs()]);
    expect(first.code, first.stderr).toBe(0);
    const summary = lastJson<RunSummary>(first.stdout);
    expect(summary.seed).toBe('007');
    const seven = await runCli(['simulate', file, '--seed', '7', '--json', ...temp.cliArgs()]);
    expect(lastJson<RunSummary>(seven.stdout).seed).toBe(7);

    // The run "crashed": resume it from the database.
    const db = new Database(temp.dbPath);
    expect(db.prepare('SELECT seed FROM runs WHERE run_id = ?').get(summary.runId)).toEqual({ seed: '007' });
    db.prepare("UPDATE runs SET status = 'failed' WHERE run_id = ?").run(summary.runId);
    db.close();
    const resumed = await runCli(['simulate', '--resume', summary.runId, '--json', ...temp.cliArgs()]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = lastJson<RunSummary>(resumed.stdout);
    expect(after.seed).toBe('007');
    expect(after.digest).toBe(summary.digest);
  });

  it('ANSI escapes in a scenario name or cycle name never reach the terminal', async () => {
    temp = new TempRun();
    const file = join(temp.dir, 'ansi.yaml');
    writeFileSync(file, SCENARIO('Evil\\e]0;pwned\\a\\e[2J name'));
    const result = await runCli(['simulate', file, ...temp.cliArgs()]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Evil\\u001b]0;pwned\\u0007\\u001b[2J name');
    expect(result.stdout).not.toMatch(/[\u001b\u0007]/);
    expect(result.stderr).not.toMatch(/[\u001b\u0007]/);
  });
});
