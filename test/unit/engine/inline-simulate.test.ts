import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simulate } from '../../../src/runner/simulate.ts';
import { parseScenario } from '../../../src/scenario/scenario-loader.ts';
import { SqliteTelemetryStore } from '../../../src/telemetry/sqlite-store.ts';
import { SMALL_SCENARIO } from '../../support/inline-run.ts';

let dir: string;
let redisUrl: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asp-inline-'));
  // Nothing answers here: an inline run must not need Redis.
  redisUrl = process.env.REDIS_URL;
  process.env.REDIS_URL = 'redis://127.0.0.1:1';
});
afterEach(() => {
  if (redisUrl === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = redisUrl;
  rmSync(dir, { recursive: true, force: true });
});

const loaded = parseScenario(SMALL_SCENARIO, 'small.yaml');
const layout = () => ({ runsDir: join(dir, 'runs'), dbPath: join(dir, 'telemetry.db'), workspacesDir: join(dir, 'ws') });

describe('simulate() on the inline transport', () => {
  it('runs the whole scenario without Redis or listeners and writes its telemetry', async () => {
    const run = await simulate({ scenarioFile: loaded.file, loaded, transport: 'inline', layout: layout(), observers: [] });
    expect(run.status).toBe('completed');
    expect(run.summary.totals.tasks).toBe(6);
    expect(run.summary.cycles).toHaveLength(3);
    expect(run.digest).toMatch(/^[0-9a-f]{64}$/);
    const store = new SqliteTelemetryStore(run.layout.dbPath, { readonly: true });
    try {
      expect(store.countRows('tasks', run.runId)).toBe(6);
      expect(store.countRows('cycles', run.runId)).toBe(3);
      // define, estimate, implement, review, accept at least once per task.
      expect(store.countRows('step_results', run.runId)).toBeGreaterThanOrEqual(6 * 5);
    } finally {
      store.close();
    }
  });

  it('gives the same digest whatever the tasks in flight, and another for another seed', async () => {
    const one = await simulate({ scenarioFile: loaded.file, loaded, transport: 'inline', taskConcurrency: 1, layout: layout(), observers: [] });
    const many = await simulate({ scenarioFile: loaded.file, loaded, transport: 'inline', taskConcurrency: 6, layout: layout(), observers: [] });
    const other = await simulate({ scenarioFile: loaded.file, loaded, transport: 'inline', seed: 6, layout: layout(), observers: [] });
    expect(many.digest).toBe(one.digest);
    expect(many.summary.tasks).toEqual(one.summary.tasks);
    expect(other.digest).not.toBe(one.digest);
  });

  it('stops on the signal: the run is interrupted, not failed', async () => {
    const controller = new AbortController();
    const run = await simulate({
      scenarioFile: loaded.file,
      loaded,
      transport: 'inline',
      layout: layout(),
      signal: controller.signal,
      observers: [{ taskFinished: () => controller.abort() }],
    });
    expect(run.status).toBe('interrupted');
    expect(run.summary.totals.tasks).toBeLessThan(6);
  });
});
