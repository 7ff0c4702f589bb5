import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSONA_IDENTITIES } from '../../src/personas.ts';
import { LABEL_MANAGED, LABEL_RUN_ID } from '../../src/runtime/docker-listener-spec.ts';
import { startPrivateRedis, type RedisHandle } from '../../src/runtime/private-redis.ts';
import type { RunSummary } from '../../src/engine/run-summary-types.ts';
import { announceDocker, docker } from '../support/docker-engine.ts';
import { lastJson, runCli, TempRun } from '../support/temp-run.ts';

announceDocker('simulate --runtime docker');

/** Author and committer of every commit of a workspace repository, oldest first. */
function commits(repo: string): Array<{ author: string; committer: string; subject: string }> {
  // No safe.directory: after the run the repository belongs to the host user again.
  const out = execFileSync('git', ['log', '--reverse', '--format=%an <%ae>%x1f%cn <%ce>%x1f%s'], { cwd: repo, encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [author = '', committer = '', subject = ''] = line.split('\x1f');
      return { author, committer, subject };
    });
}

const who = (p: 'jordan' | 'alex' | 'sarah') => `${PERSONA_IDENTITIES[p].gitName} <${PERSONA_IDENTITIES[p].gitEmail}>`;

describe.skipIf(!docker.available)('asp simulate scenarios/task-a.yaml --runtime docker', () => {
  let redis: RedisHandle;
  const temps: TempRun[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });

  afterAll(async () => {
    await redis?.close();
    for (const t of temps) t.cleanup();
  });

  it("runs Task A in persona containers: commits carry each persona's identity, the outcome equals the process runtime's, no container is left", async () => {
    const processRun = new TempRun();
    const dockerRun = new TempRun();
    temps.push(processRun, dockerRun);
    const viaProcess = await runCli(['simulate', 'scenarios/task-a.yaml', '--runtime', 'process', '--json', '--redis', redis.url, ...processRun.cliArgs()]);
    expect(viaProcess.code, viaProcess.stderr).toBe(0);

    const started = Date.now();
    // Same workspaces folder as the process run: the docker run must not take the earlier run's repositories.
    const viaDocker = await runCli(
      ['simulate', 'scenarios/task-a.yaml', '--runtime', 'docker', '--json', '--redis', redis.url, '--db', dockerRun.dbPath, '--runs-dir', dockerRun.runsDir, '--workspaces', processRun.workspacesDir],
      { ASP_OFFLINE: '1' },
      600_000,
    );
    console.info(`[simulate --runtime docker] task-a in ${((Date.now() - started) / 1000).toFixed(1)} s (image check or build included)`);
    expect(viaDocker.code, viaDocker.stderr).toBe(0);
    const summary = lastJson<RunSummary>(viaDocker.stdout);
    const reference = lastJson<RunSummary>(viaProcess.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.runtime).toBe('docker');
    expect(summary.totals.done).toBe(1);
    // Deterministic by construction: the runtime does not change the outcome.
    expect(summary.digest).toBe(reference.digest);

    const workspace = summary.paths.workspace;
    if (!workspace) throw new Error('the run has no workspace');
    const repo = join(workspace, 'task-a');
    // Written inside the containers by the non-root persona user, then given back to the host user at the end;
    // the earlier run's repository in the same workspaces folder was never touched.
    const host = process.getuid?.() ?? 0;
    expect(statSync(join(repo, 'REQUIREMENTS.md')).uid).toBe(host);
    const earlier = join(lastJson<RunSummary>(viaProcess.stdout).paths.workspace ?? '', 'task-a');
    expect(statSync(join(earlier, 'REQUIREMENTS.md')).uid).toBe(host);
    expect(commits(earlier).length).toBeGreaterThanOrEqual(4);
    const log = commits(repo);
    expect(log.length).toBeGreaterThanOrEqual(4);
    for (const c of log) expect(c.committer).toBe(c.author);
    expect(log[0]).toMatchObject({ author: who('jordan'), subject: expect.stringMatching(/requirements/i) });
    expect(log.find((c) => /^Implement/.test(c.subject))?.author).toBe(who('alex'));
    const reviews = log.filter((c) => /^Review/.test(c.subject));
    expect(reviews.length).toBeGreaterThan(0);
    for (const r of reviews) expect(r.author).toBe(who('sarah'));
    expect(log.at(-1)).toMatchObject({ author: who('jordan'), subject: expect.stringMatching(/accept/i) });

    // close() removed every container of the run.
    expect(await docker.client.listByLabels([`${LABEL_MANAGED}=true`, `${LABEL_RUN_ID}=${summary.runId}`])).toEqual([]);
  }, 900_000);
});
