import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/engine/run-summary-types.ts';
import { lastJson, REDIS_URL, runCli, TempRun } from '../support/temp-run.ts';
import { RedisClient } from '../../src/queue/bullmq-driver.ts';

let temp: TempRun;
afterEach(() => temp?.cleanup());

function gitAuthors(dir: string): string[] {
  return execFileSync('git', ['log', '--format=%an <%ae>'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
}

describe('asp simulate (process runtime, real Redis, SQLite and git)', () => {
  it('runs task-a end to end: commits by each persona, telemetry rows, no keys left in Redis', async () => {
    temp = new TempRun();
    const result = await runCli(['simulate', 'scenarios/task-a.yaml', '--json', ...temp.cliArgs()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = lastJson<RunSummary>(result.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.tasks).toHaveLength(1);
    const task = summary.tasks[0]!;
    expect(task.state).toBe('done');

    const workspace = join(summary.paths.workspace!, 'task-a');
    const authors = new Set(gitAuthors(workspace));
    expect(authors).toEqual(new Set(['Jordan PM <jordan@example.com>', 'Alex Dev <alex@example.com>', 'Sarah Manager <sarah@example.com>']));
    const committers = execFileSync('git', ['log', '--format=%cn'], { cwd: workspace, encoding: 'utf8' }).trim().split('\n');
    expect(new Set(committers)).toEqual(new Set(['Jordan PM', 'Alex Dev', 'Sarah Manager']));

    const db = new Database(temp.dbPath, { readonly: true });
    const one = (sql: string) => db.prepare(sql).get(summary.runId) as Record<string, unknown>;
    expect(one('SELECT state, review_rounds FROM tasks WHERE run_id = ?')).toEqual({ state: 'done', review_rounds: task.reviewRounds });
    expect(one('SELECT status, digest FROM runs WHERE run_id = ?')).toEqual({ status: 'completed', digest: summary.digest });
    const phases = db
      .prepare('SELECT DISTINCT phase FROM time_log WHERE run_id = ?')
      .all(summary.runId)
      .map((r) => (r as { phase: string }).phase);
    expect(phases).toEqual(expect.arrayContaining(['requirements', 'planning', 'code', 'code-review', 'acceptance-test']));
    const size = one('SELECT SUM(added_modified) AS am, MIN(measured_by) AS by FROM size_log WHERE run_id = ?');
    expect(size).toEqual({ am: task.actualSize, by: 'git' });
    // Size measured from git equals the lines Alex's commits added.
    const numstat = execFileSync('git', ['log', '--author=Alex Dev', '--numstat', '--format='], { cwd: workspace, encoding: 'utf8' });
    const added = numstat
      .trim()
      .split('\n')
      .filter(Boolean)
      .reduce((s, l) => s + Number(l.split('\t')[0]), 0);
    expect(added).toBe(task.actualSize);
    expect(one('SELECT COUNT(*) AS n FROM defect_log WHERE run_id = ?').n as number).toBe(task.injected);
    const estimate = one('SELECT size_method, projected_size, actual_size, history_n FROM estimates WHERE run_id = ?');
    expect(estimate).toMatchObject({ size_method: task.sizeMethod, actual_size: task.actualSize, history_n: 10 });
    const steps = one('SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS users FROM step_results WHERE run_id = ?');
    expect(steps.users).toBe(3);
    db.close();

    const redis = new RedisClient(REDIS_URL);
    try {
      expect(await redis.scan(`asp-${summary.runId}:*`)).toEqual([]);
    } finally {
      await redis.close();
    }
  });

  it('gives the same outcome for the same seed, whatever the listener concurrency', async () => {
    temp = new TempRun();
    const a = await runCli(['simulate', 'scenarios/six-cycles.yaml', '--json', '--concurrency', '1', '--tasks-in-flight', '1', ...temp.cliArgs()]);
    const b = await runCli(['simulate', 'scenarios/six-cycles.yaml', '--json', '--concurrency', '16', '--listeners', '2', '--tasks-in-flight', '8', ...temp.cliArgs()]);
    const sa = lastJson<RunSummary>(a.stdout);
    const sb = lastJson<RunSummary>(b.stdout);
    expect(sa.runId).not.toBe(sb.runId);
    expect(sb.digest).toBe(sa.digest);
    expect(sb.tasks).toEqual(sa.tasks);
    expect(sb.accuracy).toEqual(sa.accuracy);
    const c = await runCli(['simulate', 'scenarios/six-cycles.yaml', '--json', '--seed', '8', ...temp.cliArgs()]);
    expect(lastJson<RunSummary>(c.stdout).digest).not.toBe(sa.digest);
  });

  it('rejects a malformed scenario with exit 2, the place of the error, and writes nothing', async () => {
    temp = new TempRun();
    const bad = join(temp.dir, 'bad.yaml');
    writeFileSync(bad, 'name: broken\nseed: 1\ncycles:\n  - tasks:\n      - id: a\n        title: A\n        proxySize: "big"\n');
    const result = await runCli(['simulate', bad, ...temp.cliArgs()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:7:20 (cycles[0].tasks[0].proxySize)`);
    expect(result.stderr).toMatch(/expected number/);
    expect(temp.written()).toEqual([]);
  });

  it('tells the user how to get Redis when none answers, exit 2, nothing written', async () => {
    temp = new TempRun();
    const result = await runCli(['simulate', 'scenarios/task-a.yaml', ...temp.cliArgs()], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Redis does not answer at redis://127.0.0.1:1');
    expect(result.stderr).toMatch(/fix: start Redis/);
    expect(temp.written()).toEqual([]);
  });

  it('refuses an unknown option with exit 2', async () => {
    const result = await runCli(['simulate', 'scenarios/task-a.yaml', '--turbo']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown option '--turbo'/);
  });
});
