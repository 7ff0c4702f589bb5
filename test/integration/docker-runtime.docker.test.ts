import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAspError } from '../../src/errors.ts';
import { PERSONA_IDENTITIES, WORKER_PERSONAS, type PersonaName } from '../../src/personas.ts';
import type { RuntimeStartOptions } from '../../src/runtime/agent-runtime.ts';
import { ensureImage } from '../../src/runtime/docker-image-builder.ts';
import { CONTAINER_REDIS_URL_FILE, DEFAULT_IMAGE, LABEL_MANAGED, LABEL_OWNER_HOST, LABEL_OWNER_PID, LABEL_PERSONA, LABEL_RUN_ID } from '../../src/runtime/docker-listener-spec.ts';
import { DockerRuntime, type DockerRuntimeOptions } from '../../src/runtime/docker-runtime.ts';
import { startPrivateRedis, type RedisHandle } from '../../src/runtime/private-redis.ts';
import { announceDocker, docker } from '../support/docker-engine.ts';

announceDocker('docker runtime');
const client = docker.client;

let redis: RedisHandle;
const dirs: string[] = [];
const runtimes: DockerRuntime[] = [];

function tempDir(name: string, mode?: number): string {
  const dir = mkdtempSync(join(tmpdir(), `asp-docker-${name}-`));
  if (mode !== undefined) chmodSync(dir, mode);
  dirs.push(dir);
  return dir;
}

function runtime(options: DockerRuntimeOptions = {}): DockerRuntime {
  const r = new DockerRuntime({ build: 'never', handleSignals: false, ...options });
  runtimes.push(r);
  return r;
}

function startOptions(personas: readonly PersonaName[], extra: Partial<RuntimeStartOptions> = {}): RuntimeStartOptions {
  return {
    runId: `itest-${randomBytes(4).toString('hex')}`,
    redisUrl: redis.url,
    queuePrefix: `itest-${randomBytes(4).toString('hex')}`,
    personas,
    listenersPerPersona: 1,
    concurrency: 1,
    // A workspaces folder as `mkdir` makes it (0755): the runtime hands only the run's own folder to the container user.
    workspaceRoot: tempDir('ws', 0o755),
    runDir: tempDir('run'),
    readyTimeoutMs: 120_000,
    ...extra,
  };
}

async function runContainers(runId: string) {
  return client.listByLabels([`${LABEL_MANAGED}=true`, `${LABEL_RUN_ID}=${runId}`]);
}

/** A pid that surely belongs to no process any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe.skipIf(!docker.available)('DockerRuntime against a real engine', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    const started = Date.now();
    await ensureImage({ image: DEFAULT_IMAGE, build: 'auto', offline: true, client });
    console.info(`[docker runtime] image ${DEFAULT_IMAGE} ready in ${Date.now() - started} ms (offline build or up to date)`);
  }, 900_000);

  afterEach(async () => {
    await Promise.allSettled(runtimes.splice(0).map((r) => r.close()));
  });

  afterAll(async () => {
    await redis?.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it("starts one container per listener, as UID 1000 with the persona's git identity, labelled with the run id; close() removes them all", async () => {
    const lines = new Map<PersonaName, string[]>();
    // Alex gets his Redis URL as a root-only file (as with per-persona credentials); the others through the environment.
    const alexUrlFile = join(tempDir('secrets'), 'alex.url');
    writeFileSync(alexUrlFile, redis.url, { mode: 0o600 });
    const options = startOptions(WORKER_PERSONAS, {
      redisUrlFiles: { alex: alexUrlFile },
      onLog: (persona, line) => {
        const msg = typeof line === 'string' ? line : String(line.msg ?? '');
        lines.set(persona, [...(lines.get(persona) ?? []), msg]);
      },
    });
    const r = runtime();
    const started = Date.now();
    await r.start(options);
    console.info(`[docker runtime] ${WORKER_PERSONAS.length} listener containers ready in ${Date.now() - started} ms`);

    const listeners = r.listeners();
    expect(listeners.map((l) => l.persona).sort()).toEqual([...WORKER_PERSONAS].sort());
    for (const listener of listeners) {
      const id = listener.containerId;
      if (!id) throw new Error('listener without container id');
      const details = await client.inspect(id);
      expect(details?.running).toBe(true);
      expect(details?.labels).toMatchObject({
        [LABEL_MANAGED]: 'true',
        [LABEL_RUN_ID]: options.runId,
        [LABEL_PERSONA]: listener.persona,
        [LABEL_OWNER_HOST]: hostname(),
        [LABEL_OWNER_PID]: String(process.pid),
      });
      expect(details?.networkMode).toBe('host');
      expect(details?.env.ASP_USER_ID).toBe(PERSONA_IDENTITIES[listener.persona].userId);
      if (listener.persona === 'alex') {
        expect(details?.env.ASP_REDIS_URL_FILE).toBe(CONTAINER_REDIS_URL_FILE);
        expect(details?.env.ASP_REDIS_URL).toBeUndefined();
      } else {
        expect(details?.env.ASP_REDIS_URL).toBe(redis.url);
      }
      expect(details?.env.ASP_ROLE).toBe(PERSONA_IDENTITIES[listener.persona].role);

      const uid = await client.exec(id, ['id', '-u']);
      expect(uid.stdout.trim()).toBe('1000');
      const gitName = await client.exec(id, ['git', 'config', '--global', 'user.name']);
      expect(gitName.stdout.trim()).toBe(PERSONA_IDENTITIES[listener.persona].gitName);
      const gitEmail = await client.exec(id, ['git', 'config', '--global', 'user.email']);
      expect(gitEmail.stdout.trim()).toBe(PERSONA_IDENTITIES[listener.persona].gitEmail);
      // The workspace root of the host is the container's /app/workspaces; the run's own folder is writable by the persona
      // (only that folder is handed to UID 1000, never the root or other runs' folders).
      const probe = `${options.runId}/probe-${listener.persona}.txt`;
      const write = await client.exec(id, ['sh', '-c', `echo ${listener.persona} > /app/workspaces/${probe}`]);
      expect(write.exitCode).toBe(0);
      expect(statSync(join(options.workspaceRoot, probe)).uid).toBe(1000);
    }
    // Each listener's own log lines reached onLog under its persona.
    for (const persona of WORKER_PERSONAS) expect(lines.get(persona)).toContain('listener ready');
    expect(await runContainers(options.runId)).toHaveLength(3);

    const closing = Date.now();
    await r.close();
    console.info(`[docker runtime] closed (stop + remove) in ${Date.now() - closing} ms`);
    expect(await runContainers(options.runId)).toEqual([]);
    await expect(r.close()).resolves.toBeUndefined();
  }, 300_000);

  it('removes orphans of crashed runs at start, and leaves live ones alone', async () => {
    const base = { image: DEFAULT_IMAGE, cmd: ['sleep', '600'], env: {}, user: '1000:1000', networkMode: 'host' };
    const tag = randomBytes(4).toString('hex');
    // A crashed run on this host: its owner process is gone, the container still runs.
    const crashed = await client.run({
      ...base,
      name: `asp-orphan-crashed-${tag}`,
      labels: { [LABEL_MANAGED]: 'true', [LABEL_RUN_ID]: `crashed-${tag}`, [LABEL_PERSONA]: 'alex', [LABEL_OWNER_HOST]: hostname(), [LABEL_OWNER_PID]: String(deadPid()) },
    });
    // A run of another host that is still running: not ours to judge.
    const remote = await client.run({
      ...base,
      name: `asp-orphan-remote-${tag}`,
      labels: { [LABEL_MANAGED]: 'true', [LABEL_RUN_ID]: `remote-${tag}`, [LABEL_PERSONA]: 'sarah', [LABEL_OWNER_HOST]: `elsewhere-${tag}`, [LABEL_OWNER_PID]: '1' },
    });
    // A stopped container of another host: dead for sure.
    const stopped = await client.run({
      ...base,
      cmd: ['true'],
      name: `asp-orphan-stopped-${tag}`,
      labels: { [LABEL_MANAGED]: 'true', [LABEL_RUN_ID]: `stopped-${tag}`, [LABEL_PERSONA]: 'jordan', [LABEL_OWNER_HOST]: `elsewhere-${tag}` },
    });
    await client.wait(stopped);
    try {
      const removed = await runtime().reapOrphans();
      expect(removed).toEqual(expect.arrayContaining([`asp-orphan-crashed-${tag}`, `asp-orphan-stopped-${tag}`]));
      expect(removed).not.toContain(`asp-orphan-remote-${tag}`);
      expect(await client.inspect(crashed)).toBeNull();
      expect(await client.inspect(stopped)).toBeNull();
      expect((await client.inspect(remote))?.running).toBe(true);
    } finally {
      await Promise.allSettled([crashed, remote, stopped].map((id) => client.stopAndRemove(id, 0)));
    }
  }, 300_000);

  it('a listener that dies before it is ready fails start() with its exit code and output, and leaves no container', async () => {
    const options = startOptions(['alex']);
    const r = runtime({ command: () => ['sh', '-c', 'echo "cannot reach the moon" >&2; exit 3'] });
    const err: unknown = await r.start(options).catch((e: unknown) => e);
    expect(isAspError(err) && err.code).toBe('RUNTIME_FAILED');
    expect(isAspError(err) && err.message).toMatch(/exited with code 3/);
    expect(isAspError(err) && err.message).toMatch(/cannot reach the moon/);
    expect(await runContainers(options.runId)).toEqual([]);
  }, 300_000);

  it('an abort (Ctrl-C in the CLI) during start stops and removes the containers', async () => {
    const controller = new AbortController();
    const options = startOptions(['jordan', 'sarah'], { signal: controller.signal });
    // Listeners that never report ready: start() waits until the abort.
    const r = runtime({ command: () => ['sleep', '600'], stopGraceSeconds: 1 });
    const starting = r.start(options);
    const deadline = Date.now() + 60_000;
    while ((await runContainers(options.runId)).length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
    expect(await runContainers(options.runId)).toHaveLength(2);
    controller.abort();
    const err: unknown = await starting.catch((e: unknown) => e);
    expect(isAspError(err) && err.code).toBe('INTERRUPTED');
    expect(await runContainers(options.runId)).toEqual([]);
  }, 300_000);

  it('restarts a listener whose container dies after the run started, and reports it', async () => {
    const exits: PersonaName[] = [];
    const options = startOptions(['sarah'], { onListenerExit: (persona) => exits.push(persona) });
    const r = runtime();
    await r.start(options);
    const first = r.listeners()[0]?.containerId;
    if (!first) throw new Error('no container');
    await client.stopAndRemove(first, 0);
    const deadline = Date.now() + 60_000;
    let replacement: string | undefined;
    while (Date.now() < deadline) {
      replacement = r.listeners()[0]?.containerId;
      if (replacement && replacement !== first && (await client.inspect(replacement))?.running) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(exits).toEqual(['sarah']);
    expect(replacement).not.toBe(first);
    expect((await client.inspect(replacement ?? ''))?.running).toBe(true);
    await r.close();
    expect(await runContainers(options.runId)).toEqual([]);
  }, 300_000);

  it.each(['SIGINT', 'exit'] as const)(
    'a process that ends by %s without closing the runtime leaves no container',
    async (how) => {
      const runId = `itest-${how.toLowerCase()}-${randomBytes(4).toString('hex')}`;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, '../support/docker-runtime-child.ts'), redis.url, runId, tempDir('child-ws'), how === 'exit' ? 'exit' : 'wait'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
      const deadline = Date.now() + 120_000;
      while (!out.includes('ready') && child.exitCode === null && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      expect(out).toContain('ready');
      if (how === 'SIGINT') {
        expect(await runContainers(runId)).toHaveLength(1);
        child.kill('SIGINT');
      }
      const end = await ended;
      // SIGINT: containers removed, then the signal ends the process as it would have.
      if (how === 'SIGINT') expect(end.signal).toBe('SIGINT');
      else expect(end.code).toBe(130);
      expect(out).not.toContain('not interrupted');
      expect(await runContainers(runId)).toEqual([]);
    },
    300_000,
  );
});
