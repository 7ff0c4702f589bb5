import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pacedScenario, readDb, runWithSteps, spawnAsp, stepKeys, until, referenceRun } from '../support/fault-helpers.ts';
import { lastJson, runCli, TempRun } from '../support/temp-run.ts';

/**
 * Runs own their lease: `--resume` of a run that is still executing is refused
 * before anything is written (the bug: it finished the run a second time and
 * overwrote it with failed tasks), and a stale lease is taken over.
 */
let temp: TempRun;
afterEach(() => temp?.cleanup());

let ref: { digest: string; steps: number };
beforeAll(async () => {
  ref = await referenceRun();
});

function runRow(dbPath: string, runId: string) {
  return readDb(dbPath, (db) => db.prepare('SELECT status, digest FROM runs WHERE run_id = ?').get(runId) as { status: string; digest: string | null });
}

describe('run lease', () => {
  it('--resume of a run that is still running exits 2 naming host, pid and since; the running run finishes undisturbed', async () => {
    temp = new TempRun();
    const file = join(temp.dir, 'paced.yaml');
    // Slow enough that the run is still going when the second process (a tsx start, slow on a busy machine) asks.
    writeFileSync(file, pacedScenario(1500));
    const original = spawnAsp(['simulate', file, '--json', ...temp.cliArgs()]);
    const runId = await until(() => runWithSteps(temp.dbPath, 3), 90_000, 'three stored steps');
    const before = stepKeys(temp.dbPath, runId).length;

    const second = await runCli(['simulate', '--resume', runId, '--json', ...temp.cliArgs()]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`run ${runId} is still running: pid ${original.child.pid} on ${hostname()} has held it since 20`);
    expect(second.stderr).toMatch(/nothing was written/);
    expect(second.stderr).toMatch(/fix: wait for it to finish, or stop it \(kill -INT \d+/);
    expect(second.stderr).not.toMatch(/SqliteError|at .*\.ts:\d+/);
    expect(second.stdout).toBe('');
    expect(runRow(temp.dbPath, runId)?.status).toBe('running');

    const done = await original.exit;
    expect(done.code).toBe(0);
    const summary = lastJson<{ digest: string; status: string }>(original.stdout());
    expect(summary.status).toBe('completed');
    expect(summary.digest).toBe(ref.digest);
    expect(runRow(temp.dbPath, runId)).toEqual({ status: 'completed', digest: ref.digest });
    const keys = stepKeys(temp.dbPath, runId);
    expect(keys).toHaveLength(ref.steps);
    expect(new Set(keys).size).toBe(ref.steps);
    expect(before).toBeLessThan(ref.steps);
    // The lease went with the run.
    expect(readDb(temp.dbPath, (db) => db.prepare('SELECT COUNT(*) AS n FROM run_leases').get())).toEqual({ n: 0 });
  }, 300_000);

  it('a lease held on another host is live while it beats and taken over once its heartbeat is older than the bound', async () => {
    temp = new TempRun();
    const file = join(temp.dir, 'paced.yaml');
    writeFileSync(file, pacedScenario(400));
    const original = spawnAsp(['simulate', file, ...temp.cliArgs()]);
    const runId = await until(() => runWithSteps(temp.dbPath, 3), 90_000, 'three stored steps');
    original.child.kill('SIGKILL');
    await original.exit;
    // The dead run's lease now names a process on another host, which this host cannot check: only the heartbeat counts.
    const setLease = (heartbeatMs: number) => {
      const db = new Database(temp.dbPath);
      try {
        db.prepare("UPDATE run_leases SET host = 'build-7.example', pid = 4242, heartbeat_ms = ? WHERE run_id = ?").run(heartbeatMs, runId);
      } finally {
        db.close();
      }
    };
    setLease(Date.now() + 60_000);
    const refused = await runCli(['simulate', '--resume', runId, '--json', ...temp.cliArgs()], { ASP_LEASE_STALE_MS: '5000' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`run ${runId} is still running: pid 4242 on build-7.example`);

    setLease(Date.now() - 6000);
    const resumed = await runCli(['simulate', '--resume', runId, '--json', ...temp.cliArgs()], { ASP_LEASE_STALE_MS: '5000' });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(lastJson<{ digest: string }>(resumed.stdout).digest).toBe(ref.digest);
    expect(stepKeys(temp.dbPath, runId)).toHaveLength(ref.steps);
  }, 300_000);
});
