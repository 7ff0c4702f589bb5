import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandAgent } from '../../src/agents/command-agent.ts';
import { createRandom } from '../../src/prng.ts';
import { buildStepJob } from '../../src/engine/step-job.ts';
import { parseScenario } from '../../src/scenario/scenario-loader.ts';
import type { StepRequest } from '../../src/workflow/task-types.ts';
import { GitWorkspace } from '../../src/workspace/git-workspace.ts';

/**
 * The command agent against real processes and real git: the fixture agent
 * (test/fixtures/agents/misbehaving-agent.mjs) hangs, prints garbage, crashes,
 * floods, commits outside its workspace, or does its job.
 */
const FIXTURE = resolve('test/fixtures/agents/misbehaving-agent.mjs');
const API_KEY = 'sk-test-0123456789abcdefghij-agent-key';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function alexStep(mode: string, request: Partial<StepRequest> = {}, timeoutMs = 20_000) {
  const root = mkdtempSync(join(tmpdir(), 'asp-cmd-agent-'));
  dirs.push(root);
  const scenario = parseScenario(
    `name: t\nworkspace: git\npersonas:\n  alex:\n    agent: { kind: command, command: [node, ${JSON.stringify(FIXTURE)}, ${mode}], timeoutMs: ${timeoutMs}, maxResponseBytes: 100000 }\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 50 }]\n`,
  ).scenario;
  const workspace = new GitWorkspace(root, 'run-1/a');
  process.env.GIT_AUTHOR_NAME ??= 'Jordan PM';
  await workspace.commit([{ path: 'REQUIREMENTS.md', content: '# A\n' }], 'Define requirements');
  const job = buildStepJob({ runId: 'run-1', scenario, workspaceMode: 'git' }, {
    step: 'implement',
    taskId: 'a',
    round: 0,
    proxySize: 50,
    requirementQuality: 1,
    toFix: [],
    ...request,
  } as StepRequest);
  const agent = new CommandAgent({
    persona: 'alex',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SECRET_OF_LISTENER: 'x', ASP_REDIS_URL: 'redis://u:p@h' },
    appDir: process.cwd(),
    apiKey: API_KEY,
  });
  const run = () => agent.run({ job, random: createRandom(1, 'a', 'implement', 0), workspace, commitTag: 'tag', attempt: 0 });
  return { run, workspace, root };
}

describe('command agent', () => {
  it('runs a command that commits: size from git, actor and cost from its response', async () => {
    const { run, workspace } = await alexStep('commit');
    const result = await run();
    expect(result.step).toBe('implement');
    if (result.step !== 'implement') return;
    expect(result.actor).toBe('command:fixture@0.0.1');
    expect(result.size).toMatchObject({ added: 3, addedModified: 3, measuredBy: 'git' });
    expect(result.cost).toEqual({ tokensIn: 10, tokensOut: 5, usd: 0.01 });
    const [head] = await workspace.log();
    expect(head).toMatchObject({ sha: result.commit, authorName: 'Alex Dev', authorEmail: 'alex@example.com' });
  });

  it('times out a hanging agent and kills it', async () => {
    const { run } = await alexStep('hang', {}, 800);
    await expect(run()).rejects.toThrow(/command agent of alex failed the implement step: the agent did not answer within 800 ms/);
  });

  it('fails the step of an agent that prints garbage, saying why', async () => {
    const { run } = await alexStep('garbage');
    await expect(run()).rejects.toThrow(/its response is not JSON .*\{this is not json at all/);
  });

  it('fails the step of a crashing agent with its stderr, the API key blanked', async () => {
    const { run } = await alexStep('crash');
    const err = (await run().catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/exited with code 3; its stderr ends with: boom: cannot work \(key \[redacted\]\)/);
    expect(err.message).not.toContain(API_KEY);
  });

  it('fails the step of an agent whose response is too large', async () => {
    const { run } = await alexStep('oversized');
    await expect(run()).rejects.toThrow(/printed more than 100000 bytes \(maxResponseBytes\)/);
  });

  it('refuses a commit made outside the task workspace', async () => {
    const { run, workspace } = await alexStep('outside');
    const before = await workspace.head();
    await expect(run()).rejects.toThrow(/commit [0-9a-f]{40} is not in the task's workspace/);
    expect(await workspace.head()).toBe(before);
  });

  it('gives the agent its API key as OPENAI_API_KEY and a scrubbed environment', async () => {
    const { run } = await alexStep('env', { step: 'estimate', history: [] } as Partial<StepRequest>);
    const result = await run();
    expect(result.step).toBe('estimate');
    const note = result.note ?? '';
    expect(note).toContain(`key sha256 ${createHash('sha256').update(API_KEY).digest('hex')}`);
    const names = note.split('env ')[1]?.split(',') ?? [];
    expect(names).toEqual(expect.arrayContaining(['OPENAI_API_KEY', 'HOME', 'PATH', 'GIT_AUTHOR_NAME', 'GIT_COMMITTER_EMAIL', 'ASP_PERSONA']));
    // Nothing else of the listener's environment: no Redis credentials, no other secret.
    expect(names.filter((n) => n.startsWith('ASP_REDIS') || n === 'SECRET_OF_LISTENER')).toEqual([]);
    expect(JSON.stringify(result)).not.toContain(API_KEY);
  });
});
