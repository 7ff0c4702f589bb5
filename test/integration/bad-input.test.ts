import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { runCli, TempRun } from '../support/temp-run.ts';

/**
 * Inputs that used to start a run (a run row, runs/<id>/, a workspace) and
 * only then fail, or hang: each now exits 2 at once, says what and where,
 * and writes nothing. Real `asp` processes, real files, a real FIFO.
 */
let temp: TempRun;
afterEach(() => temp?.cleanup());

const TASK = `  - tasks: [{ id: a, title: A, proxySize: 50 }]\n`;

async function refused(args: string[], expected: RegExp, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await runCli([...args, ...temp.cliArgs()], env, 60_000);
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(expected);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(temp.written()).toEqual([]);
  return result.stderr;
}

function scenario(name: string, text: string): string {
  const file = join(temp.dir, name);
  writeFileSync(file, text);
  return file;
}

describe('bad input exits 2 and writes nothing', () => {
  it('simulate /dev/zero, a FIFO and a folder', async () => {
    temp = new TempRun();
    await refused(['simulate', '/dev/zero'], /\/dev\/zero: cannot read the scenario file: it is a character device/);
    const fifo = join(temp.dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    await refused(['simulate', fifo], /named pipe \(FIFO\), not a regular file/);
    await refused(['simulate', temp.dir], /it is a folder/);
  });

  it('numbers past Node timers or the model range, long texts, colliding ids, invalid UTF-8', async () => {
    temp = new TempRun();
    await refused(['simulate', scenario('t.yaml', `name: t\nworkflow: { stepTimeoutMs: 3000000000 }\ncycles:\n${TASK}`)], /t\.yaml:2:\d+ \(workflow\.stepTimeoutMs\): .*2147483647/);
    await refused(['simulate', scenario('p.yaml', `name: t\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 1e308 }]\n`)], /p\.yaml:3:\d+ \(cycles\[0\]\.tasks\[0\]\.proxySize\)/);
    await refused(['simulate', scenario('d.yaml', `name: t\npersonas: { alex: { defectRate: 1e6 } }\ncycles:\n${TASK}`)], /\(personas\.alex\.defectRate\)/);
    await refused(
      ['simulate', scenario('l.yaml', `name: t\ncycles:\n  - tasks: [{ id: a, title: ${'x'.repeat(1001)}, proxySize: 5 }]\n`)],
      /\(cycles\[0\]\.tasks\[0\]\.title\): at most 1000 characters/,
    );
    const many = Array.from({ length: 501 }, (_, i) => `r${i}`).join(', ');
    await refused(['simulate', scenario('r.yaml', `name: t\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 5, requirements: [${many}] }]\n`)], /at most 500 requirements/);
    await refused(
      ['simulate', scenario('id.yaml', `name: t\ncycles:\n  - generate: { count: 2, idPrefix: feature }\n  - tasks: [{ id: feature-c1-1, title: A, proxySize: 5 }]\n`)],
      /id\.yaml:4:\d+ \(cycles\[1\]\.tasks\[0\]\.id\): task id "feature-c1-1" is also the id of a task that cycles\[0\]\.generate creates/,
    );
    const latin1 = join(temp.dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.concat([Buffer.from(`name: caf`), Buffer.from([0xe9]), Buffer.from(`\ncycles:\n${TASK}`)]));
    await refused(['simulate', latin1], /latin1\.yaml:1:10: byte 9 \(0xe9\) is not valid UTF-8/);
  });

  it('CLI values under the same caps as the schema; an empty seed', async () => {
    temp = new TempRun();
    await refused(['simulate', 'scenarios/task-a.yaml', '--concurrency', '257'], /--concurrency must be a whole number from 1 to 256, got "257"/);
    await refused(['simulate', 'scenarios/task-a.yaml', '--listeners', '65'], /--listeners must be a whole number from 1 to 64/);
    await refused(['simulate', 'scenarios/task-a.yaml', '--tasks-in-flight', '10001'], /--tasks-in-flight must be a whole number from 1 to 10000/);
    await refused(['simulate', 'scenarios/task-a.yaml', '--seed', ''], /--seed must be a whole number or a text/);
    await refused(['load', '--tasks', '10', '--listeners', '65'], /--listeners must be a whole number > 0 and ≤ 64/);
    await refused(['load', '--tasks', '10', '--seed='], /--seed must be a whole number or a text/);
  });

  it('runtime docker with no engine: checked before anything is written', async () => {
    temp = new TempRun();
    await refused(['simulate', 'scenarios/task-a.yaml', '--runtime', 'docker'], /no Docker engine answers/, { DOCKER_HOST: `unix://${join(temp.dir, 'no-docker.sock')}` });
  });

  it('a read-only database: checked before anything is written, the file named', async () => {
    temp = new TempRun();
    const store = new SqliteTelemetryStore(temp.dbPath);
    store.migrate();
    store.close();
    const runsBefore = () => new SqliteTelemetryStore(temp.dbPath, { readonly: true }).query<{ n: number }>('SELECT COUNT(*) AS n FROM runs')[0]?.n;
    expect(runsBefore()).toBe(0);
    // Root ignores file modes: make the file immutable instead (what a read-only mount does); a non-root user gets mode 0444.
    const root = process.getuid?.() === 0;
    if (root) execFileSync('chattr', ['+i', temp.dbPath]);
    else execFileSync('chmod', ['0444', temp.dbPath]);
    try {
      const result = await runCli(['simulate', 'scenarios/task-a.yaml', ...temp.cliArgs()], {}, 60_000);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`the telemetry database ${temp.dbPath} cannot be written: ${temp.dbPath} is read-only`);
      expect(result.stderr).toMatch(/fix: make the file and its folder writable/);
    } finally {
      if (root) spawnSync('chattr', ['-i', temp.dbPath]);
    }
    expect(runsBefore()).toBe(0);
    expect(temp.written()).toEqual([temp.dbPath]);

    // A folder that does not accept files: named too.
    const ro = join(temp.dir, 'ro');
    mkdirSync(ro);
    if (root) execFileSync('chattr', ['+i', ro]);
    else execFileSync('chmod', ['0555', ro]);
    try {
      const result = await runCli(['simulate', 'scenarios/task-a.yaml', '--db', join(ro, 'sub', 'x.db'), '--runs-dir', temp.runsDir, '--workspaces', temp.workspacesDir], {}, 60_000);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`its folder ${ro} does not accept new files`);
    } finally {
      if (root) spawnSync('chattr', ['-i', ro]);
    }
  });
});
