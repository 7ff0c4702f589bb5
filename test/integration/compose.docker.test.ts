import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PERSONA_IDENTITIES, WORKER_PERSONAS, type AnyPersona } from '../../src/personas.ts';
import { ensureImage } from '../../src/runtime/docker-image-builder.ts';
import { DEFAULT_IMAGE } from '../../src/runtime/docker-listener-spec.ts';
import { freePort, startPrivateRedis, type RedisHandle } from '../../src/runtime/private-redis.ts';
import { announceDocker, docker } from '../support/docker-engine.ts';

/**
 * `docker compose up` of compose.yml's persona and admin services, checked
 * until every healthcheck passes. This machine's rule is host networking and
 * loopback only, so the test runs a derived file: the same services, image,
 * commands, identities, secret, volumes and healthchecks, with
 * `network_mode: host` instead of asp-net, the test's private Redis (on
 * 127.0.0.1) instead of the redis service, and unique names.
 */
announceDocker('compose');
const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');

function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}
const compose = docker.available ? composeCommand() : null;
if (docker.available && !compose) console.warn('[compose] NOT RUN: neither `docker compose` nor `docker-compose` is installed (docker/start-dockerd.sh installs it)');

type Service = Record<string, unknown> & { environment?: Record<string, string>; container_name?: string; healthcheck?: Record<string, unknown> };

describe.skipIf(!compose)('compose.yml: the persona and admin containers come up healthy', () => {
  const tag = randomBytes(4).toString('hex');
  const project = `asp-itest-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'asp-compose-'));
  const file = join(dir, 'compose.yml');
  const apiKey = `test-key-${randomBytes(8).toString('hex')}`;
  const names = new Map<AnyPersona, string>();
  let redis: RedisHandle;
  let adminPort = 0;

  const cmd = (...args: string[]) => {
    const [bin = 'docker', ...pre] = compose ?? [];
    return run(bin, [...pre, '-p', project, '-f', file, ...args], { cwd: dir, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    adminPort = await freePort();
    await ensureImage({ image: DEFAULT_IMAGE, build: 'auto', offline: true, client: docker.client });

    const source = parse(readFileSync(join(REPO, 'compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, Service>;
      volumes: Record<string, { name: string }>;
    };
    const services: Record<string, Service> = {};
    for (const [key, svc] of Object.entries(source.services)) {
      if (key === 'redis') continue;
      const { networks: _n, depends_on: _d, ports: _p, ...rest } = svc;
      const name = `${svc.container_name ?? key}-${tag}`;
      const persona = (svc.environment?.ASP_PERSONA ?? '') as AnyPersona;
      names.set(persona, name);
      services[key] = {
        ...rest,
        container_name: name,
        network_mode: 'host',
        environment: {
          ...svc.environment,
          ASP_REDIS_URL: redis.url,
          ASP_QUEUE_PREFIX: `asp-itest-${tag}`,
          ...(key === 'asp-admin' ? { ASP_ADMIN_HOST: '127.0.0.1', ASP_ADMIN_PORT: String(adminPort) } : {}),
        },
        healthcheck: { ...svc.healthcheck, interval: '2s', start_period: '60s', retries: 3 },
      };
    }
    const derived = {
      services,
      volumes: Object.fromEntries(Object.keys(source.volumes).map((v) => [v, { name: `${v}-${tag}` }])),
      secrets: { api_key: { file: './secrets/api_key.txt' } },
    };
    writeFileSync(file, stringify(derived));
    spawnSync('mkdir', ['-p', join(dir, 'secrets')]);
    writeFileSync(join(dir, 'secrets', 'api_key.txt'), apiKey, { mode: 0o644 });
    await cmd('config', '-q');
    const started = Date.now();
    await cmd('up', '-d');
    console.info(`[compose] up -d of ${names.size} services returned after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 900_000);

  afterAll(async () => {
    await cmd('down', '-v', '--timeout', '5').catch((err: unknown) => console.warn(`[compose] down failed: ${String(err)}`));
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('every container reports healthy: listeners beat in Redis, the admin migrated and serves its dashboard', async () => {
    const started = Date.now();
    const deadline = started + 240_000;
    let states: Record<string, string | null> = {};
    for (;;) {
      states = {};
      for (const name of names.values()) states[name] = (await docker.client.inspect(name))?.health ?? 'missing';
      if (Object.values(states).every((s) => s === 'healthy')) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.info(`[compose] all healthy ${((Date.now() - started) / 1000).toFixed(1)} s after up`);
    expect(states).toEqual(Object.fromEntries([...names.values()].map((n) => [n, 'healthy'])));
  }, 300_000);

  it.each([...WORKER_PERSONAS, 'admin' as const])('%s: identity from personas.ts, UID 1000, the API key only as a mounted secret', async (persona) => {
    const name = names.get(persona);
    if (!name) throw new Error(`no container for ${persona}`);
    const identity = PERSONA_IDENTITIES[persona];
    const c = docker.client;
    expect((await c.exec(name, ['id', '-u'])).stdout.trim()).toBe('1000');
    expect((await c.exec(name, ['git', 'config', '--global', 'user.name'])).stdout.trim()).toBe(identity.gitName);
    expect((await c.exec(name, ['git', 'config', '--global', 'user.email'])).stdout.trim()).toBe(identity.gitEmail);
    expect((await c.exec(name, ['cat', '/run/secrets/api_key'])).stdout).toBe(apiKey);
    const details = await c.inspect(name);
    expect(details?.env.ASP_ROLE).toBe(identity.role);
    expect(JSON.stringify(details?.env)).not.toContain(apiKey);
  });

  it('the admin created the telemetry database on the shared data volume', async () => {
    const name = names.get('admin') ?? '';
    const ls = await docker.client.exec(name, ['ls', '/app/data']);
    expect(ls.stdout.split('\n')).toContain('asp_telemetry.db');
    // The listeners see the same volume.
    const fromAlex = await docker.client.exec(names.get('alex') ?? '', ['ls', '/app/data']);
    expect(fromAlex.stdout.split('\n')).toContain('asp_telemetry.db');
  });
});
