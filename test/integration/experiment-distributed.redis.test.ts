import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentResults } from '../../src/experiment/experiment-results.ts';
import { obliterateQueues } from '../../src/queue/bullmq-driver.ts';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { EXPERIMENT_PREFIX } from '../../src/experiment/distributed-runs.ts';
import { writeExperiment } from '../support/experiment-files.ts';
import { lastJson, REDIS_URL, runCli, startCli, TempRun, type RunningCli } from '../support/temp-run.ts';

interface ExperimentJson {
  status: string;
  transport: string;
  results: ExperimentResults;
}

let tmp: TempRun;
let workers: RunningCli[] = [];
const queue = `test-exp-${randomBytes(4).toString('hex')}`;

beforeEach(() => {
  tmp = new TempRun();
});
afterEach(async () => {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.allSettled(workers.map((w) => w.result));
  workers = [];
  await obliterateQueues(REDIS_URL, EXPERIMENT_PREFIX, [queue]);
  tmp.cleanup();
});

async function workerReady(w: RunningCli): Promise<void> {
  for (let i = 0; i < 600 && !w.stderr.includes('(ready)'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(w.stderr).toContain('(ready)');
}

describe('distributed experiments', () => {
  it('two worker processes give the same results as one process', async () => {
    const file = writeExperiment(tmp.dir, 'yield', 'seeds: 6\nvary:\n  personas.sarah.reviewYield: [0.4, 0.9]\n');
    const out = ['--db', tmp.dbPath, '--out', join(tmp.dir, 'experiments'), '--json'];
    const local = await runCli(['experiment', file, '--workers', '1', ...out]);
    expect(local.code, local.stderr).toBe(0);

    workers = [1, 2].map(() => startCli(['experiment', '--worker', '--workers', '1', '--queue', queue, '--redis', REDIS_URL], {}, 170_000));
    await Promise.all(workers.map(workerReady));
    const distributed = await runCli(['experiment', file, '--distributed', '--queue', queue, '--redis', REDIS_URL, ...out]);
    expect(distributed.code, distributed.stderr).toBe(0);
    const a = lastJson<ExperimentJson>(local.stdout);
    const b = lastJson<ExperimentJson>(distributed.stdout);
    expect(b.transport).toBe('inline (distributed)');
    expect(b.results.digest).toBe(a.results.digest);

    // Both workers took runs; the results reached the one database through the queue.
    for (const w of workers) expect(w.stderr).toMatch(/experiment worker: ran variant \d seed \d+ \(inline\)/);
    const store = new SqliteTelemetryStore(tmp.dbPath, { readonly: true });
    try {
      const [row] = store.query<{ n: number }>("SELECT COUNT(*) AS n FROM experiment_runs r JOIN experiments e USING (experiment_id) WHERE e.transport = 'inline (distributed)'");
      expect(row!.n).toBe(12);
    } finally {
      store.close();
    }
    for (const w of workers) w.child.kill('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.result));
    expect(exits.map((e) => e.code)).toEqual([130, 130]);
  });

  it('the queue transport (real persona listeners) gives the same results as the inline one', async () => {
    const file = writeExperiment(tmp.dir, 'forecast', 'seeds: 2\n');
    const out = ['--db', tmp.dbPath, '--out', join(tmp.dir, 'experiments'), '--runs-dir', tmp.runsDir, '--json', '--workers', '1'];
    const inline = await runCli(['experiment', file, ...out]);
    expect(inline.code, inline.stderr).toBe(0);
    const queues = await runCli(['experiment', file, '--transport', 'queues', '--redis', REDIS_URL, ...out], {}, 170_000);
    expect(queues.code, queues.stderr).toBe(0);
    expect(lastJson<ExperimentJson>(queues.stdout).results.digest).toBe(lastJson<ExperimentJson>(inline.stdout).results.digest);
  });
});
