import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { simulate } from '../../src/runner/simulate.ts';
import { ASP, lastJson, REDIS_URL, REPO, runCli, TempRun } from './temp-run.ts';

/** A paced scenario of two cycles of two tasks: long enough to hit mid-run, short enough for tests. */
export const pacedScenario = (pacingMs: number, extra = '') => `name: durability
seed: 21
workspace: none
workflow: { pacingMs: ${pacingMs}, concurrency: 2, maxReviewRounds: 6${extra} }
personas: { alex: { cost: { ai: true, tokensInPerMinute: 900, tokensOutPerMinute: 300, usdPer1kTokensIn: 0.003, usdPer1kTokensOut: 0.015 } } }
cycles:
  - generate: { count: 2, idPrefix: a, proxySize: { median: 120 } }
  - generate: { count: 2, idPrefix: b, proxySize: { median: 120 } }
`;

/**
 * Pids of the processes whose /proc/<pid>/<where> holds every one of `needles`
 * (a run's listeners carry `ASP_RUN_ID=<runId>\0` in their environment).
 */
export function processesWith(where: 'cmdline' | 'environ', ...needles: string[]): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const text = readFileSync(`/proc/${d}/${where}`, 'utf8');
        return needles.every((n) => text.includes(n)) ? [Number(d)] : [];
      } catch {
        return []; // gone meanwhile, or not ours to read
      }
    });
}

/** The undisturbed run of the paced scenario (no pacing): what every faulty run must end with. */
export interface Reference {
  digest: string;
  steps: number;
  costUsd: number;
}

export async function referenceRun(): Promise<Reference> {
  const dir = new TempRun();
  try {
    const file = join(dir.dir, 'reference.yaml');
    writeFileSync(file, pacedScenario(0));
    const r = await simulate({ scenarioFile: file, layout: dir.layout, redisUrl: REDIS_URL, observers: [] });
    return { digest: r.digest, steps: r.summary.tasks.reduce((s, t) => s + 3 + 2 * t.reviewRounds, 0), costUsd: r.summary.totals.costUsd };
  } finally {
    dir.cleanup();
  }
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One read-only query against the run's database (undefined while it does not exist yet). */
export function readDb<T>(dbPath: string, read: (db: Database.Database) => T): T | undefined {
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** The run id once the run has stored at least `steps` step results. */
export function runWithSteps(dbPath: string, steps: number): string | undefined {
  return readDb(dbPath, (db) => {
    const row = db.prepare('SELECT run_id, COUNT(*) AS n FROM step_results GROUP BY run_id').get() as { run_id: string; n: number } | undefined;
    return row && row.n >= steps ? row.run_id : undefined;
  });
}

export function stepKeys(dbPath: string, runId: string): string[] {
  return (
    readDb(dbPath, (db) =>
      (db.prepare('SELECT task_id, step, round FROM step_results WHERE run_id = ?').all(runId) as Array<{ task_id: string; step: string; round: number }>).map(
        (r) => `${r.task_id}/${r.step}/${r.round}`,
      ),
    ) ?? []
  );
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `asp <args>` (or any command) and collects its output. */
export function spawnAsp(args: string[], env: NodeJS.ProcessEnv = {}, command: { file: string; args: string[] } = { file: process.execPath, args: [ASP] }): Spawned {
  const child = spawn(command.file, [...command.args, ...args], { cwd: REPO, env: { ...process.env, REDIS_URL, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/**
 * Another process holding the database's write lock (`BEGIN EXCLUSIVE` in a
 * child) until `release()`; `journal` chooses the file's mode (WAL, as the
 * engine makes it, or a rollback journal, where even readers wait).
 */
export async function holdWriteLock(path: string, journal: 'wal' | 'delete' = 'wal'): Promise<{ release: () => Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('journal_mode = ${journal}');
    db.exec('CREATE TABLE IF NOT EXISTS other_app (x)');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('INSERT INTO other_app VALUES (1)').run();
    process.stdout.write('locked\\n');
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script, path], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return {
    release: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** `asp simulate --resume <runId>` finishes the run with the reference digest, every step stored once. */
export async function resumeToReference(temp: TempRun, runId: string, ref: Reference, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const resumed = await runCli(['simulate', '--resume', runId, '--json', ...temp.cliArgs()], env);
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  expect(lastJson<{ digest: string }>(resumed.stdout).digest).toBe(ref.digest);
  const keys = stepKeys(temp.dbPath, runId);
  expect(keys).toHaveLength(ref.steps);
  expect(new Set(keys).size).toBe(ref.steps);
}
