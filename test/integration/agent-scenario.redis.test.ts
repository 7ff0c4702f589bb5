import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/engine/run-summary-types.ts';
import { ENGINE_VERSION } from '../../src/version.ts';
import { API_KEY, API_KEY_SHA, filesContaining, writeAgentScenario } from '../support/agent-scenario.ts';
import { lastJson, runCli, TempRun } from '../support/temp-run.ts';

let temp: TempRun;
afterEach(() => temp?.cleanup());

function gitLog(dir: string): string[] {
  return execFileSync('git', ['log', '--reverse', '--format=%an|%s'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
}

describe('scenarios/agent-task-a.yaml: command agents on the process runtime', () => {
  it('runs end to end with the reference developer and reviewer; actors in telemetry; the API key reaches the agent and nothing else', async () => {
    temp = new TempRun();
    const { scenario, apiKeyFile } = writeAgentScenario(temp.dir);
    const result = await runCli(['simulate', scenario, '--json', ...temp.cliArgs()], { ASP_API_KEY_FILE: apiKeyFile }, 600_000);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJson<RunSummary>(result.stdout);
    expect(summary).toMatchObject({ status: 'completed', deterministic: false });
    expect(Object.keys(summary.commandAgents).sort()).toEqual(['alex', 'jordan', 'sarah']);
    const task = summary.tasks[0]!;
    // The first draft carries one slip; the workspace's checks catch it, the fix corrects it.
    expect(task).toMatchObject({ state: 'done', reviewRounds: 2 });
    expect(task.found).toBeGreaterThan(0);

    const workspace = join(summary.paths.workspace!, 'task-a');
    const log = gitLog(workspace);
    expect(log[0]).toMatch(/^Alex Dev\|Implement task-a: R1 regression, R2 prediction interval, R3 significance/);
    expect(log[1]).toMatch(/^Sarah Manager\|Review round 1 of task-a: changes_requested/);
    expect(log[2]).toMatch(/^Alex Dev\|Fix review findings of task-a \(round 1\): .*test\/regression\.test\.mjs:\d+/);
    expect(log[3]).toMatch(/^Sarah Manager\|Review round 2 of task-a: approved/);
    // The checks the developer wrote pass in the final workspace.
    execFileSync(process.execPath, ['--test'], { cwd: workspace, stdio: 'ignore' });

    const db = new Database(temp.dbPath, { readonly: true });
    const actors = db.prepare('SELECT step, round, actor, commit_sha, result_json FROM step_results WHERE run_id = ? ORDER BY recorded_at').all(summary.runId) as Array<{
      step: string;
      round: number;
      actor: string;
      commit_sha: string | null;
      result_json: string;
    }>;
    expect(actors.map((a) => `${a.step}#${a.round} ${a.actor}`)).toEqual([
      'define#0 command:misbehaving-agent.mjs',
      `estimate#0 command:reference-developer@${ENGINE_VERSION}`,
      `implement#0 command:reference-developer@${ENGINE_VERSION}`,
      `review#0 command:reference-reviewer@${ENGINE_VERSION}`,
      `fix#1 command:reference-developer@${ENGINE_VERSION}`,
      `review#1 command:reference-reviewer@${ENGINE_VERSION}`,
      'accept#2 command:misbehaving-agent.mjs',
    ]);
    expect(db.prepare('SELECT deterministic FROM runs WHERE run_id = ?').get(summary.runId)).toEqual({ deterministic: 0 });
    const reported = db.prepare('SELECT type, severity, phase_removed, found_by FROM defect_log WHERE run_id = ?').all(summary.runId);
    expect(reported.length).toBe(task.found);
    expect(reported).toContainEqual({ type: 'Function', severity: 'major', phase_removed: 'code-review', found_by: 'sarah' });
    // Size is measured from git: the lines Alex's commits added.
    const numstat = execFileSync('git', ['log', '--author=Alex Dev', '--numstat', '--format='], { cwd: workspace, encoding: 'utf8' });
    expect(
      numstat
        .trim()
        .split('\n')
        .filter(Boolean)
        .reduce((s, l) => s + Number(l.split('\t')[0]), 0),
    ).toBe(task.actualSize);

    // The key reached the agent (it reports its sha256) ...
    const define = JSON.parse(actors[0]!.result_json) as { note: string };
    expect(define.note).toContain(`key sha256 ${API_KEY_SHA}`);
    expect(define.note).not.toMatch(/ASP_REDIS_URL|ASP_API_KEY_FILE/);
    db.close();
    // ... and no log, recording, report, database or workspace file.
    expect(filesContaining(temp.dir, API_KEY).filter((f) => !f.endsWith('api_key.txt'))).toEqual([]);

    // The recording replays offline: the recorded results are fed back.
    const replay = await runCli(['replay', summary.paths.runDir, '--json']);
    expect(replay.code, replay.stdout).toBe(0);
    expect(lastJson<{ status: string }>(replay.stdout).status).toBe('match');
    // A live re-run may differ (measured time, unseeded agents) or, when the agents happen to
    // answer alike, match: either way it is not a divergence, and the status says which it was.
    const live = await runCli(['replay', summary.paths.runDir, '--live', '--json', ...temp.cliArgs()], { ASP_API_KEY_FILE: apiKeyFile }, 600_000);
    expect(live.code, live.stdout + live.stderr).toBe(0);
    const report = lastJson<{ status: string; commandAgents: string[]; differingTasks: number; digest: { expected: string; actual: string } }>(live.stdout);
    expect(report.commandAgents).toEqual(['jordan', 'alex', 'sarah']);
    const same = report.differingTasks === 0 && report.digest.expected === report.digest.actual;
    expect(report.status).toBe(same ? 'match' : 'expected-differences');
  });
});
