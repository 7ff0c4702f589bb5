import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlias, isMap, isScalar, parse, parseDocument } from 'yaml';
import { identityEnv, PERSONA_IDENTITIES, WORKER_PERSONAS, type AnyPersona } from '../../src/personas.ts';
import { CONTAINER_WORKSPACE_ROOT, DEFAULT_IMAGE } from '../../src/runtime/docker-listener-spec.ts';

/**
 * compose.yml, the Dockerfile and the docker runtime describe the same team as
 * src/personas.ts. This test keeps them from drifting apart.
 */
const REPO = resolve(import.meta.dirname, '../..');
const composeText = readFileSync(join(REPO, 'compose.yml'), 'utf8');
const dockerfile = readFileSync(join(REPO, 'docker/Dockerfile'), 'utf8');

interface Service {
  image?: string;
  container_name?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  volumes?: string[];
  networks?: string[];
  secrets?: Array<string | { source: string; target: string }>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  user?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, { name?: string } | null>;
  networks: Record<string, { name?: string } | null>;
  secrets: Record<string, { file?: string }>;
}

const compose = parse(composeText, { merge: true }) as Compose;
const ALL: AnyPersona[] = [...WORKER_PERSONAS, 'admin'];

/** `${VAR:-default}` as compose resolves it with VAR unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

function service(persona: AnyPersona): Service {
  const s = compose.services[PERSONA_IDENTITIES[persona].container];
  if (!s) throw new Error(`compose.yml has no service ${PERSONA_IDENTITIES[persona].container}`);
  return s;
}

describe('compose.yml agrees with src/personas.ts', () => {
  it('has exactly redis and one service per persona, named after its container', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['redis', ...ALL.map((p) => PERSONA_IDENTITIES[p].container)].sort());
    for (const p of ALL) expect(withDefaults(service(p).container_name ?? '')).toBe(PERSONA_IDENTITIES[p].container);
  });

  it.each(ALL)('gives %s the identity of personas.ts (role, user id, git author and committer)', (p) => {
    const env = service(p).environment ?? {};
    for (const [key, value] of Object.entries(identityEnv(p))) expect(env[key], key).toBe(value);
  });

  it.each([...WORKER_PERSONAS])('runs the %s listener, with a listener id its healthcheck can find', (p) => {
    const s = service(p);
    expect(s.command).toEqual(['node', 'dist/cli/entry.js', 'listen', '--persona', p]);
    expect(s.environment?.ASP_LISTENER_ID).toBe(PERSONA_IDENTITIES[p].container);
    expect(s.healthcheck?.test).toEqual(['CMD', 'node', '/app/docker/healthcheck.mjs', 'listener']);
  });

  it('runs migrations then the admin in asp-admin, with the admin healthcheck', () => {
    const s = service('admin');
    expect(s.command).toEqual(['/app/docker/admin-entrypoint.sh']);
    expect(s.healthcheck?.test).toEqual(['CMD', 'node', '/app/docker/healthcheck.mjs', 'admin']);
  });

  it.each(ALL)("%s: the image of the docker runtime, the host's data and workspaces, its secrets and a healthy Redis first", (p) => {
    const s = service(p);
    expect(withDefaults(s.image ?? '')).toBe(DEFAULT_IMAGE);
    expect(s.volumes?.map(withDefaults)).toEqual(expect.arrayContaining(['./data:/app/data', `./workspaces:${CONTAINER_WORKSPACE_ROOT}`]));
    // The API key and the client's own Redis password (its ACL user), both handed to the persona user by the entrypoint.
    const own = p === 'admin' ? 'runner' : p;
    expect(s.secrets).toEqual(['api_key', { source: `redis_password_${own}`, target: 'redis_password' }]);
    expect(s.environment?.ASP_REDIS_USER).toBe(`asp-${own}`);
    expect(s.depends_on?.redis?.condition).toBe('service_healthy');
    expect(s.environment?.ASP_IN_CONTAINER).toBe('true');
    expect(s.environment?.ASP_API_KEY_FILE).toBe('/run/asp/api_key');
    expect(s.environment?.ASP_REDIS_URL_FILE).toBe('/run/asp/redis_url');
    // The key itself never appears in the environment.
    expect(Object.keys(s.environment ?? {}).filter((k) => /API_KEY$/.test(k))).toEqual([]);
  });

  it('derives every persona service from the one x-asp-base definition', () => {
    const doc = parseDocument(composeText, { merge: true });
    expect(doc.get('x-asp-base')).toBeTruthy();
    const services = doc.get('services');
    if (!isMap(services)) throw new Error('services is not a mapping');
    for (const p of ALL) {
      const node = services.get(PERSONA_IDENTITIES[p].container);
      if (!isMap(node)) throw new Error(`service of ${p} is not a mapping`);
      const merge = node.items.find((pair) => isScalar(pair.key) && pair.key.source === '<<');
      expect(merge && isAlias(merge.value) ? merge.value.source : undefined, p).toBe('asp-base');
    }
  });

  it('takes every secret from the folder compose:init writes (gitignored), and says so when it is not set', () => {
    const files = Object.fromEntries(Object.entries(compose.secrets).map(([name, s]) => [name, s.file?.replace(/^\$\{ASP_SECRETS_DIR:\?run `npm run compose:init` first[^}]*\}\//, '')]));
    expect(files).toEqual({
      api_key: 'api_key.txt',
      redis_acl: 'redis_users.acl',
      redis_password_runner: 'redis_password_runner',
      redis_password_jordan: 'redis_password_jordan',
      redis_password_alex: 'redis_password_alex',
      redis_password_sarah: 'redis_password_sarah',
    });
    const gitignore = readFileSync(join(REPO, '.gitignore'), 'utf8').split('\n');
    for (const ignored of ['secrets/', 'data/', 'workspaces/', '.env']) expect(gitignore).toContain(ignored);
  });

  it('redis requires authentication (ACL file secret) and has a healthcheck the others wait for', () => {
    expect(compose.services.redis?.healthcheck?.test).toEqual(['CMD', '/usr/local/bin/asp-redis-health']);
    expect(compose.services.redis?.secrets).toEqual(['redis_acl']);
  });
});

describe('docker/Dockerfile agrees with the runtime and compose', () => {
  it('runs as UID 1000 by default, in container mode, through the git-identity entrypoint', () => {
    expect(dockerfile).toMatch(/^ARG ASP_UID=1000$/m);
    expect(dockerfile).toMatch(/^USER \$\{ASP_UID\}:\$\{ASP_GID\}$/m);
    expect(dockerfile).toMatch(/ASP_IN_CONTAINER=true/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/app\/docker\/setup-git-user\.sh"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/cli\/entry\.js", "listen"\]$/m);
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:20-bookworm-slim$/m);
  });

  it('bakes no secret into the image', () => {
    expect(dockerfile).not.toMatch(/API_KEY|secrets\//i);
    const buildScript = readFileSync(join(REPO, 'docker/build-image.sh'), 'utf8');
    expect(buildScript).not.toMatch(/secrets\//);
  });
});
