import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.ts';
import type { PersonaName } from '../../src/personas.ts';
import { RedisClient, StepConsumer, StepQueue, obliterateQueues } from '../../src/queue/bullmq-driver.ts';
import { defaultObservers } from '../../src/cli/default-observers.ts';
import { simulate } from '../../src/runner/simulate.ts';
import { provisionPersonaCredentials, readSecretEnv, type PersonaCredentials } from '../../src/runtime/persona-credentials.ts';
import { startPrivateRedis } from '../../src/runtime/private-redis.ts';
import { REDIS_URL, REPO, TempRun } from '../support/temp-run.ts';

const NOPERM = /NOPERM/;
const opened: Array<{ close(): Promise<unknown> }> = [];
let temp: TempRun | undefined;

afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close().catch(() => undefined);
  temp?.cleanup();
  temp = undefined;
});

function track<T extends { close(): Promise<unknown> }>(o: T): T {
  opened.push(o);
  return o;
}

function urlOf(credentials: PersonaCredentials, persona: PersonaName): string {
  return readFileSync(credentials.urlFile(persona)!, 'utf8').trim();
}

async function provision(personas: PersonaName[] = ['alex', 'sarah']) {
  temp = new TempRun();
  const runId = `iso-${randomBytes(4).toString('hex')}`;
  const prefix = `asp-${runId}`;
  const credentials = track(await provisionPersonaCredentials({ redisUrl: REDIS_URL, prefix, runId, runDir: join(temp.dir, 'run'), personas }));
  track({ close: () => obliterateQueues(REDIS_URL, prefix, personas) });
  return { runId, prefix, credentials };
}

/** A job on `persona`'s queue, added with the run's own (administrative) connection. */
async function adminAdd(prefix: string, persona: PersonaName, jobId: string): Promise<StepQueue> {
  const queue = track(new StepQueue({ redisUrl: REDIS_URL, prefix, persona }, { onCompleted: () => undefined, onFailed: () => undefined }));
  await queue.ready();
  await queue.addRaw('step', { hello: persona }, jobId);
  return queue;
}

describe('per-persona Redis credentials (ACL)', () => {
  it("lets Alex use his own queue and heartbeat keys, and refuses Sarah's queue with NOPERM", async () => {
    const { runId, prefix, credentials } = await provision();
    expect(credentials.isolated).toBe(true);
    expect(credentials.users()).toEqual([`asp-${runId}-alex`, `asp-${runId}-sarah`]);
    const file = credentials.urlFile('alex')!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    const alexUrl = urlOf(credentials, 'alex');
    expect(new URL(alexUrl).username).toBe(`asp-${runId}-alex`);
    expect(readSecretEnv({ ASP_REDIS_URL_FILE: file, ASP_REDIS_URL: 'redis://ignored' }, 'ASP_REDIS_URL')).toBe(alexUrl);

    // Alex's own queue: add, consume, read the result back, heartbeat.
    const completed: Array<[string, unknown]> = [];
    const own = track(new StepQueue({ redisUrl: alexUrl, prefix, persona: 'alex' }, { onCompleted: (id, v) => completed.push([id, v]), onFailed: () => undefined }));
    await own.ready();
    const worker = track(new StepConsumer({ redisUrl: alexUrl, prefix, persona: 'alex', concurrency: 1, handler: async (job) => ({ echoed: job.data }) }));
    await worker.start();
    await own.add({ n: 1 }, { jobId: 'own-1', attempts: 1, backoffMs: 10 });
    await expect.poll(() => completed, { timeout: 10_000 }).toEqual([['own-1', { echoed: { n: 1 } }]]);
    expect(await own.outcome('own-1')).toMatchObject({ state: 'completed', returnValue: { echoed: { n: 1 } } });
    const alex = track(new RedisClient(alexUrl));
    await alex.setWithTtl(`${prefix}:listeners:alex:alex-1`, '{}', 5000);

    // Sarah's queue, with Alex's credentials: add, read, consume, heartbeat are refused.
    await adminAdd(prefix, 'sarah', 'sarah-1');
    const intruder = track(new StepQueue({ redisUrl: alexUrl, prefix, persona: 'sarah' }, { onCompleted: () => undefined, onFailed: () => undefined }));
    await expect(intruder.add({ forged: true }, { jobId: 'forged', attempts: 1, backoffMs: 10 })).rejects.toThrow(NOPERM);
    await expect(intruder.outcome('sarah-1')).rejects.toThrow(NOPERM);
    await expect(intruder.counts()).rejects.toThrow(NOPERM);
    await expect(alex.command('HGETALL', `${prefix}:sarah:sarah-1`)).rejects.toThrow(NOPERM);
    await expect(alex.command('LRANGE', `${prefix}:sarah:wait`, 0, -1)).rejects.toThrow(NOPERM);
    await expect(alex.setWithTtl(`${prefix}:listeners:sarah:sarah-1`, '{}', 5000)).rejects.toThrow(NOPERM);

    const errors: string[] = [];
    let handled = 0;
    const thief = track(
      new StepConsumer({
        redisUrl: alexUrl,
        prefix,
        persona: 'sarah',
        concurrency: 1,
        handler: async () => ++handled,
        onError: (err) => errors.push(err.message),
      }),
    );
    await thief.start();
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await thief.close(true);
    expect(errors.every((m) => NOPERM.test(m))).toBe(true);
    expect(handled).toBe(0);
    const sarahQueue = track(new StepQueue({ redisUrl: REDIS_URL, prefix, persona: 'sarah' }, { onCompleted: () => undefined, onFailed: () => undefined }));
    expect(await sarahQueue.state('sarah-1')).toBe('waiting');

    // Keyless commands that would reach past the key patterns.
    for (const cmd of [['FLUSHALL'], ['KEYS', '*'], ['SCAN', '0'], ['RANDOMKEY'], ['CLIENT', 'LIST'], ['ACL', 'LIST'], ['CONFIG', 'GET', 'maxmemory'], ['FUNCTION', 'FLUSH'], ['PUBLISH', 'c', 'x']]) {
      await expect(alex.command(cmd[0]!, ...cmd.slice(1)), cmd.join(' ')).rejects.toThrow(NOPERM);
    }
    const other = track(new RedisClient(REDIS_URL));
    expect(await other.scan(`${prefix}:sarah:*`)).not.toEqual([]);
  });

  it('escapes glob characters of the prefix and deletes users and files on close (twice is fine)', async () => {
    temp = new TempRun();
    const runId = `iso-${randomBytes(4).toString('hex')}`;
    const prefix = `asp-${runId}-*`;
    const credentials = await provisionPersonaCredentials({ redisUrl: REDIS_URL, prefix, runId, runDir: join(temp.dir, 'run'), personas: ['alex'] });
    const alex = new RedisClient(urlOf(credentials, 'alex'));
    const admin = track(new RedisClient(REDIS_URL));
    try {
      await alex.setWithTtl(`${prefix}:alex:k`, '1', 5000);
      await expect(alex.setWithTtl(`asp-${runId}-X:alex:k`, '1', 5000)).rejects.toThrow(NOPERM);
    } finally {
      await alex.close();
    }
    await admin.del(`${prefix}:alex:k`);
    const file = credentials.urlFile('alex')!;
    expect(await admin.aclUsers()).toContain(`asp-${runId}-alex`);
    await credentials.close();
    await credentials.close();
    expect(await admin.aclUsers()).not.toContain(`asp-${runId}-alex`);
    expect(existsSync(file)).toBe(false);
    expect(credentials.urlFile('alex')).toBeUndefined();
  });

  it('deletes the users of crashed runs (old, unconnected, no heartbeat) when a run provisions, and only those', async () => {
    const admin = track(new RedisClient(REDIS_URL));
    const hex = randomBytes(3).toString('hex');
    const crashed = `asp-run-20000101000000-${hex}-alex`;
    const oldButLive = `asp-run-20000101000000-${randomBytes(3).toString('hex')}-sarah`;
    const recent = `asp-run-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${hex}-jordan`;
    for (const user of [crashed, oldButLive, recent]) await admin.aclSetUser(user, ['reset', 'on', 'nopass', '~*', '+@all']);
    track({ close: () => admin.aclDelUser(crashed, oldButLive, recent) });
    const liveRun = oldButLive.slice('asp-'.length, -'-sarah'.length);
    await admin.setWithTtl(`asp-${liveRun}:listeners:sarah:sarah-1`, '{}', 30_000);
    track({ close: () => admin.del(`asp-${liveRun}:listeners:sarah:sarah-1`) });

    await provision(['alex']);
    const users = await admin.aclUsers();
    expect(users).not.toContain(crashed);
    expect(users).toContain(oldButLive);
    expect(users).toContain(recent);
  });

  it('close() with Redis gone fails promptly, and never deletes the users of a run resumed later on the same port', async () => {
    temp = new TempRun();
    let redis = await startPrivateRedis();
    const port = Number(new URL(redis.url).port);
    const runId = `iso-${randomBytes(4).toString('hex')}`;
    const options = { redisUrl: redis.url, prefix: `asp-${runId}`, runId, runDir: join(temp.dir, 'run'), personas: ['alex'] as PersonaName[] };
    try {
      const first = await provisionPersonaCredentials(options);
      await redis.close();
      const t0 = Date.now();
      await expect(first.close()).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(12_000);

      redis = await startPrivateRedis(port);
      const resumed = await provisionPersonaCredentials(options);
      const admin = new RedisClient(redis.url);
      try {
        await new Promise((r) => setTimeout(r, 1500));
        expect(await admin.aclUsers()).toContain(`asp-${runId}-alex`);
      } finally {
        await admin.close();
        await resumed.close();
      }
    } finally {
      await redis.close();
    }
  });

  it('falls back to the shared URL, with a warning, when the server refuses ACL SETUSER', async () => {
    temp = new TempRun();
    const admin = track(new RedisClient(REDIS_URL));
    const limited = `asp-noacl-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(16).toString('hex');
    await admin.aclSetUser(limited, ['reset', 'on', `>${password}`, '~*', '&*', '+@all', '-acl']);
    track({ close: () => admin.aclDelUser(limited) });
    const sharedUrl = new URL(REDIS_URL);
    sharedUrl.username = limited;
    sharedUrl.password = password;
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args), info: () => undefined } as unknown as Logger;
    const runId = `iso-${randomBytes(4).toString('hex')}`;
    const credentials = track(await provisionPersonaCredentials({ redisUrl: sharedUrl.toString(), prefix: `asp-${runId}`, runId, runDir: join(temp.dir, 'run'), personas: ['alex', 'sarah'], logger }));
    expect(credentials.isolated).toBe(false);
    expect(credentials.users()).toEqual([]);
    expect(urlOf(credentials, 'sarah')).toBe(sharedUrl.toString());
    expect(JSON.stringify(warnings)).toMatch(/NOT isolated/);
    expect((await admin.aclUsers()).filter((u) => u.startsWith(`asp-${runId}`))).toEqual([]);
  });
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('a whole run with per-persona credentials', () => {
  it('runs task-a with each listener connected as its own user, deletes the users, and leaks no password', async () => {
    temp = new TempRun();
    const admin = track(new RedisClient(REDIS_URL));
    const seen: { urls: string[]; clientUsers: Promise<string> | undefined } = { urls: [], clientUsers: undefined };
    let runDir = '';
    const spy = {
      runStarted: (info: { layout: { runDir: string } }) => void (runDir = info.layout.runDir),
      jobDispatched: () => {
        if (seen.clientUsers) return;
        const dir = join(runDir, 'secrets');
        seen.urls = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8').trim());
        seen.clientUsers = admin.command('CLIENT', 'LIST') as Promise<string>;
      },
    };
    const result = await simulate({
      scenarioFile: join(REPO, 'scenarios/task-a.yaml'),
      layout: temp.layout,
      workspace: 'none',
      observers: [...defaultObservers(), spy],
      logLevel: 'debug',
    });
    expect(result.status).toBe('completed');
    const { runId } = result;

    // During the run: one URL per persona, each with its own user; listeners connected as those users.
    expect(seen.urls.map((u) => new URL(u).username).sort()).toEqual(['alex', 'jordan', 'sarah'].map((p) => `asp-${runId}-${p}`));
    const clients = await seen.clientUsers!;
    for (const p of ['jordan', 'alex', 'sarah']) expect(clients).toContain(`user=asp-${runId}-${p} `);

    // Afterwards: no users, no secrets folder.
    expect((await admin.aclUsers()).filter((u) => u.includes(runId))).toEqual([]);
    expect(existsSync(join(result.layout.runDir, 'secrets'))).toBe(false);

    // No password anywhere in what the run wrote: logs, recording, reports, listener homes, the database.
    const passwords = seen.urls.map((u) => decodeURIComponent(new URL(u).password));
    expect(passwords.every((p) => p.length >= 32)).toBe(true);
    const written = [...filesUnder(result.layout.runDir), ...filesUnder(join(temp.dir, 'data'))];
    expect(written.map((f) => f.slice(result.layout.runDir.length))).toEqual(expect.arrayContaining(['/run.log', '/recording.ndjson.gz']));
    for (const file of written) {
      const bytes = readFileSync(file).toString('latin1');
      for (const password of passwords) expect(bytes.includes(password), `${file} holds a persona password`).toBe(false);
    }
    expect(readFileSync(join(result.layout.runDir, 'run.log'), 'utf8')).toMatch(/per-persona Redis users created/);
  });
});
