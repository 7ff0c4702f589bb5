import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type RedisHandle } from '../../src/runtime/private-redis.ts';
import type { RunSummary } from '../../src/engine/run-summary-types.ts';
import { API_KEY, filesContaining, writeAgentScenario } from '../support/agent-scenario.ts';
import { announceDocker, docker } from '../support/docker-engine.ts';
import { lastJson, runCli, TempRun } from '../support/temp-run.ts';

announceDocker('agent scenario --runtime docker');

describe.skipIf(!docker.available)('scenarios/agent-task-a.yaml --runtime docker: command agents inside the persona containers', () => {
  let redis: RedisHandle;
  const temp = new TempRun();

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.close();
    temp.cleanup();
  });

  it('the image carries the reference agents; commits by Alex Dev and Sarah Manager; the key reaches the agent in its container and no file of the run', async () => {
    // Jordan's fixture agent lives in the test tree, not in the image: only Alex and Sarah are command agents here.
    const { scenario, apiKeyFile } = writeAgentScenario(temp.dir, { jordanFixture: false });
    const started = Date.now();
    const result = await runCli(['simulate', scenario, '--runtime', 'docker', '--json', '--redis', redis.url, ...temp.cliArgs()], { ASP_OFFLINE: '1', ASP_API_KEY_FILE: apiKeyFile }, 1_200_000);
    console.info(`[agent-task-a --runtime docker] ${((Date.now() - started) / 1000).toFixed(1)} s (image check or build included)`);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJson<RunSummary>(result.stdout);
    expect(summary).toMatchObject({ status: 'completed', runtime: 'docker', deterministic: false });
    expect(summary.tasks[0]).toMatchObject({ state: 'done', reviewRounds: 2 });

    const repo = join(summary.paths.workspace!, 'task-a');
    const log = execFileSync('git', ['log', '--reverse', '--format=%an|%s'], { cwd: repo, encoding: 'utf8' }).trim().split('\n');
    expect(log.filter((l) => l.startsWith('Alex Dev|'))).toHaveLength(2);
    expect(log.filter((l) => /^Sarah Manager\|Review round \d of task-a/.test(l))).toHaveLength(2);

    const db = new Database(temp.dbPath, { readonly: true });
    const rows = db.prepare('SELECT persona, actor, result_json FROM step_results WHERE run_id = ?').all(summary.runId) as Array<{ persona: string; actor: string; result_json: string }>;
    db.close();
    expect(new Set(rows.filter((r) => r.persona === 'alex').map((r) => r.actor.replace(/@.*/, '')))).toEqual(new Set(['command:reference-developer']));
    expect(new Set(rows.filter((r) => r.persona === 'sarah').map((r) => r.actor.replace(/@.*/, '')))).toEqual(new Set(['command:reference-reviewer']));
    expect(rows.filter((r) => r.persona === 'jordan').every((r) => r.actor === 'simulated')).toBe(true);
    // The reference agents say whether they got a key (never the key): it reached them inside their containers ...
    for (const r of rows.filter((x) => x.persona !== 'jordan')) expect((JSON.parse(r.result_json) as { note?: string }).note).toMatch(/\(API key: present\)$/);
    // ... and no file of the run holds it (the staged secret copy is removed when the containers go).
    expect(filesContaining(temp.dir, API_KEY).filter((f) => !f.endsWith('api_key.txt'))).toEqual([]);
  });
});
