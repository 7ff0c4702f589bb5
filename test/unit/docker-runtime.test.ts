import { describe, expect, it } from 'vitest';
import { isAspError } from '../../src/errors.ts';
import { identityEnv } from '../../src/personas.ts';
import type { RuntimeStartOptions } from '../../src/runtime/agent-runtime.ts';
import { DockerClient } from '../../src/runtime/docker-client.ts';
import { containerName, CONTAINER_REDIS_URL_FILE, LABEL_MANAGED, LABEL_OWNER_HOST, LABEL_OWNER_PID, LABEL_RUN_ID, listenerEnv } from '../../src/runtime/docker-listener-spec.ts';
import { isOrphan } from '../../src/runtime/docker-reaper.ts';
import { DockerRuntime } from '../../src/runtime/docker-runtime.ts';

const here = { host: 'this-host', pid: 100, openRuns: new Set(['open-run']), pidAlive: (pid: number) => pid === 200 };
const labels = (runId: string, host?: string, pid?: number) => ({
  [LABEL_MANAGED]: 'true',
  [LABEL_RUN_ID]: runId,
  ...(host ? { [LABEL_OWNER_HOST]: host } : {}),
  ...(pid !== undefined ? { [LABEL_OWNER_PID]: String(pid) } : {}),
});

describe('isOrphan: which managed containers the reaper removes', () => {
  it('never touches an open run of this process', () => {
    expect(isOrphan({ state: 'exited', labels: labels('open-run', 'this-host', 100) }, here)).toBe(false);
  });
  it('removes containers whose owner process on this host is gone, running or not', () => {
    expect(isOrphan({ state: 'running', labels: labels('crashed', 'this-host', 300) }, here)).toBe(true);
    expect(isOrphan({ state: 'exited', labels: labels('crashed', 'this-host', 300) }, here)).toBe(true);
  });
  it('keeps running containers of another live process on this host', () => {
    expect(isOrphan({ state: 'running', labels: labels('other', 'this-host', 200) }, here)).toBe(false);
  });
  it('removes containers of this process whose run was closed (a runtime that was not closed)', () => {
    expect(isOrphan({ state: 'running', labels: labels('closed-run', 'this-host', 100) }, here)).toBe(true);
  });
  it('for other hosts or unknown owners, removes only stopped containers', () => {
    expect(isOrphan({ state: 'running', labels: labels('remote', 'other-host', 300) }, here)).toBe(false);
    expect(isOrphan({ state: 'exited', labels: labels('remote', 'other-host', 300) }, here)).toBe(true);
    expect(isOrphan({ state: 'created', labels: labels('anon') }, here)).toBe(true);
    expect(isOrphan({ state: 'running', labels: labels('anon') }, here)).toBe(false);
  });
});

describe('container names and environment', () => {
  it('makes valid, distinct Docker names from any run id', () => {
    const a = containerName('run 2026/01:x', 'alex', 0);
    expect(a).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
    expect(a).toBe('asp-run-2026-01-x-alex-1');
    expect(containerName('r', 'alex', 1)).toBe('asp-r-alex-2');
    expect(containerName('r', 'alex', 0, 2)).toBe('asp-r-alex-1-r2');
  });

  it("gives a listener its persona's identity and the run's queue settings, and nothing of the host's", () => {
    const options: RuntimeStartOptions = {
      runId: 'run-1',
      redisUrl: 'redis://127.0.0.1:6399',
      queuePrefix: 'p1',
      personas: ['sarah'],
      listenersPerPersona: 1,
      concurrency: 3,
      workspaceRoot: '/tmp/ws',
      runDir: '/tmp/run',
    };
    const env = listenerEnv(options, 'sarah', 'docker-sarah-1');
    expect(env).toMatchObject({
      ...identityEnv('sarah'),
      ASP_REDIS_URL: 'redis://127.0.0.1:6399',
      ASP_QUEUE_PREFIX: 'p1',
      ASP_CONCURRENCY: '3',
      ASP_LISTENER_ID: 'docker-sarah-1',
      ASP_RUN_ID: 'run-1',
      ASP_IN_CONTAINER: 'true',
      HOME: '/home/asp',
    });
    expect(env.ASP_WORKSPACE_ROOT).toBeUndefined();
    expect(env.PATH).toBeUndefined();
    expect(env.ASP_REDIS_URL_FILE).toBeUndefined();

    // With the persona's own credentials mounted, the URL (and its password) stays out of the environment.
    const withFile = listenerEnv({ ...options, redisUrl: 'redis://sarah:pw-7f3a9c@127.0.0.1:6399' }, 'sarah', 'docker-sarah-1', true);
    expect(withFile.ASP_REDIS_URL_FILE).toBe(CONTAINER_REDIS_URL_FILE);
    expect(withFile.ASP_REDIS_URL).toBeUndefined();
    expect(JSON.stringify(withFile)).not.toContain('pw-7f3a9c');
  });
});

describe('no Docker engine', () => {
  const absent = () => new DockerClient({ socketPath: '/nonexistent/asp-docker.sock', pingTimeoutMs: 2000 });

  it('ping says DOCKER_UNAVAILABLE with what to do', async () => {
    const err: unknown = await absent()
      .ping()
      .catch((e: unknown) => e);
    expect(isAspError(err) && err.code).toBe('DOCKER_UNAVAILABLE');
    expect(isAspError(err) && err.hint).toMatch(/start-dockerd\.sh|--runtime process/);
  });

  it('the runtime fails to start with DOCKER_UNAVAILABLE, and close() is then harmless (twice)', async () => {
    const runtime = new DockerRuntime({ client: absent(), handleSignals: false });
    const err: unknown = await runtime
      .start({
        runId: 'no-engine',
        redisUrl: 'redis://127.0.0.1:1',
        queuePrefix: 'x',
        personas: ['alex'],
        listenersPerPersona: 1,
        concurrency: 1,
        workspaceRoot: '/tmp/asp-no-engine',
        runDir: '/tmp/asp-no-engine-run',
      })
      .catch((e: unknown) => e);
    expect(isAspError(err) && err.code).toBe('DOCKER_UNAVAILABLE');
    await expect(runtime.close()).resolves.toBeUndefined();
    await expect(runtime.close()).resolves.toBeUndefined();
    expect(runtime.listeners()).toEqual([]);
  });
});
