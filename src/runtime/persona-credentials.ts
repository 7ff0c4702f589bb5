import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PersonaName } from '../personas.ts';
import { RedisClient } from '../queue/bullmq-driver.ts';

/**
 * Per-persona Redis credentials: each persona's listeners connect as their
 * own ACL user that can only touch that persona's queue and heartbeat keys,
 * so a listener (or a compromised agent inside it) cannot read, add to or
 * consume another persona's queue. The URL with the password reaches the
 * listener as a file (mode 0600, ASP_REDIS_URL_FILE), never through the
 * environment, logs or recordings.
 *
 * When the server refuses ACL (Redis < 6, a user without ACL rights, a
 * managed service), every persona gets the run's shared URL instead and a
 * warning says that the queues are not isolated.
 */
export interface PersonaCredentials {
  /** True when each persona has its own ACL user; false in the shared-URL fallback. */
  readonly isolated: boolean;
  /** The file holding the persona's Redis URL (undefined after close or for an unknown persona). */
  urlFile(persona: PersonaName): string | undefined;
  /** Every persona's URL file (RuntimeStartOptions.redisUrlFiles). */
  urlFiles(): Partial<Record<PersonaName, string>>;
  /** The ACL user names created (empty in the fallback). */
  users(): string[];
  /** Creates the users again (a Redis restarted without persistence forgot them); same passwords. */
  restore(): Promise<void>;
  /** Deletes the users (disconnecting their clients) and the files. Safe to call twice. */
  close(): Promise<void>;
}

export interface ProvisionOptions {
  /** The run's (administrative) Redis URL; it must be allowed to run ACL SETUSER/DELUSER. */
  redisUrl: string;
  /** The run's BullMQ prefix (`asp-<runId>`). */
  prefix: string;
  runId: string;
  /** The URL files go to `<runDir>/secrets/` (folder 0700, files 0600). */
  runDir: string;
  personas: readonly PersonaName[];
  logger?: Logger;
}

/** How long an ACL command of the run's own connection may take before it counts as failed. */
const ADMIN_TIMEOUT_MS = 10_000;

export function personaUserName(runId: string, persona: PersonaName): string {
  return `asp-${runId}-${persona}`;
}

/** Escapes Redis glob characters so a prefix matches only itself in a key pattern. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

/**
 * The ACL rules of one persona's user (after `reset on #<sha256>`):
 * - keys: its own queue `<prefix>:<persona>:*` (every BullMQ key of the queue:
 *   wait, active, marker, events, meta, job hashes, locks) and its heartbeats
 *   `<prefix>:listeners:<persona>:*`; no pub/sub channels;
 * - `+@read +@write`: the data commands BullMQ's Lua scripts and getters run
 *   (HSET, ZADD, XADD, LMOVE, …), including the blocking BZPOPMIN on the
 *   marker (worker) and XREAD on the event stream (QueueEvents), all limited
 *   to the keys above;
 * - `+@transaction`: MULTI/EXEC/WATCH (ioredis multi in BullMQ);
 * - `+@connection`: AUTH, HELLO, PING, SELECT, CLIENT SETNAME/SETINFO/GETNAME
 *   (BullMQ names its connections; ioredis tags them);
 * - `-@dangerous`: FLUSHALL, FLUSHDB, SWAPDB, KEYS, SORT, RESTORE, MIGRATE,
 *   CLIENT LIST/KILL/PAUSE, …, which are keyless or reach past key patterns;
 * - keyless commands that would reveal or wipe what is not the persona's:
 *   SCAN, RANDOMKEY, DBSIZE (key names and counts), FUNCTION (FLUSH wipes
 *   the server's functions), CLIENT TRACKING (broadcast invalidations carry
 *   other keys' names);
 * - `+info`: BullMQ's server version check and ioredis's ready check (INFO
 *   is in @dangerous);
 * - `+eval +evalsha +script|load +script|exists`: BullMQ's Lua scripts run
 *   through ioredis (EVALSHA, EVAL after NOSCRIPT, SCRIPT EXISTS/LOAD before
 *   a pipeline); each command a script calls is checked against these rules.
 */
export function personaAclRules(prefix: string, persona: PersonaName): string[] {
  const p = escapeGlob(prefix);
  return ['resetkeys', `~${p}:${persona}:*`, `~${p}:listeners:${persona}:*`, 'resetchannels', ...QUEUE_COMMAND_RULES];
}

/** The commands of a queue client (see personaAclRules); the key patterns come before them. */
export const QUEUE_COMMAND_RULES: readonly string[] = [
  '-@all',
  '+@read',
  '+@write',
  '+@transaction',
  '+@connection',
  '-@dangerous',
  '-scan',
  '-randomkey',
  '-dbsize',
  '-function',
  '-client|tracking',
  '-client|caching',
  '-client|getredir',
  '-client|trackinginfo',
  '+info',
  '+eval',
  '+evalsha',
  '+script|load',
  '+script|exists',
];

/** The shared URL with the persona's user and password (same host, port, database, scheme). */
export function personaRedisUrl(sharedUrl: string, user: string, password: string): string {
  const url = new URL(sharedUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}

export async function provisionPersonaCredentials(options: ProvisionOptions): Promise<PersonaCredentials> {
  const dir = join(options.runDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const files = new Map<PersonaName, string>();
  const writeUrl = (persona: PersonaName, url: string) => {
    const file = join(dir, `redis-url-${persona}`);
    writeFileSync(file, `${url}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    files.set(persona, file);
  };
  const admin = new RedisClient(options.redisUrl, { timeoutMs: ADMIN_TIMEOUT_MS });
  const users: string[] = [];
  const rules = new Map<string, string[]>();
  let isolated = true;
  try {
    const reaped = await reapOrphanUsers(admin).catch(() => []);
    if (reaped.length > 0) options.logger?.info({ users: reaped }, 'deleted the Redis users of crashed runs');
    for (const persona of options.personas) {
      const user = personaUserName(options.runId, persona);
      const password = randomBytes(32).toString('hex');
      const hash = createHash('sha256').update(password).digest('hex');
      users.push(user);
      rules.set(user, ['reset', 'on', `#${hash}`, ...personaAclRules(options.prefix, persona)]);
      await admin.aclSetUser(user, rules.get(user) ?? []);
      writeUrl(persona, personaRedisUrl(options.redisUrl, user, password));
    }
  } catch (err) {
    isolated = false;
    await admin.aclDelUser(...users).catch(() => undefined);
    users.length = 0;
    options.logger?.warn(
      { reason: errorMessage(err) },
      "Redis refused per-persona ACL users; every listener uses the run's shared Redis URL, so the persona queues are NOT isolated from each other " +
        '(use Redis 6+ and a REDIS_URL user allowed to run ACL SETUSER/DELUSER to isolate them)',
    );
    for (const persona of options.personas) writeUrl(persona, options.redisUrl);
  } finally {
    await admin.close();
  }
  if (isolated) options.logger?.info({ users }, 'per-persona Redis users created');

  let closing: Promise<void> | undefined;
  return {
    isolated,
    urlFile: (persona) => files.get(persona),
    urlFiles: () => Object.fromEntries(files),
    users: () => [...users],
    async restore() {
      if (closing || users.length === 0) return;
      // Fail fast: the run asks again at the next sign of a forgetful Redis.
      const client = new RedisClient(options.redisUrl, { timeoutMs: ADMIN_TIMEOUT_MS });
      try {
        for (const user of users) await client.aclSetUser(user, rules.get(user) ?? []);
      } finally {
        await client.close();
      }
    },
    close() {
      closing ??= (async () => {
        files.clear();
        rmSync(dir, { recursive: true, force: true });
        if (users.length === 0) return;
        // Fail fast: a DELUSER left waiting for a Redis that is down would run when it
        // comes back, and could delete the users of a resumed run with the same id.
        const client = new RedisClient(options.redisUrl, { timeoutMs: ADMIN_TIMEOUT_MS });
        try {
          await client.aclDelUser(...users);
        } finally {
          await client.close();
        }
      })();
      return closing;
    },
  };
}

const RUN_USER = /^asp-(run-(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})-[0-9a-f]{6})-(?:jordan|alex|sarah)$/;

/**
 * Deletes persona users left by runs that crashed before their cleanup:
 * named after a run id older than `minAgeMs` (default 6 h), with no client
 * connected as them and no listener heartbeat under the run's default
 * prefix (a live run's listeners always have both). Returns their names.
 */
export async function reapOrphanUsers(admin: RedisClient, now = Date.now(), minAgeMs = 6 * 3600_000): Promise<string[]> {
  const old = (await admin.aclUsers()).flatMap((user) => {
    const m = RUN_USER.exec(user);
    if (!m) return [];
    const [y, mo, d, h, mi, s] = m.slice(2, 8).map(Number) as [number, number, number, number, number, number];
    return now - Date.UTC(y, mo - 1, d, h, mi, s) > minAgeMs ? [{ user, runId: m[1]! }] : [];
  });
  if (old.length === 0) return [];
  const clients = String(await admin.command('CLIENT', 'LIST'));
  const connected = new Set([...clients.matchAll(/ user=(\S+)/g)].map((m) => m[1]));
  const beating = new Map<string, boolean>();
  const orphans: string[] = [];
  for (const { user, runId } of old) {
    if (connected.has(user)) continue;
    if (!beating.has(runId)) beating.set(runId, (await admin.scan(`asp-${runId}:listeners:*`)).length > 0);
    if (!beating.get(runId)) orphans.push(user);
  }
  await admin.aclDelUser(...orphans);
  return orphans;
}

/**
 * A secret from the environment: the contents of the file `<name>_FILE`
 * (trimmed; Docker secrets, per-persona credential files) when set, else
 * `<name>` itself, else undefined. Used for ASP_REDIS_URL and ASP_API_KEY.
 */
export function readSecretEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file !== undefined && file !== '') return readFileSync(file, 'utf8').trim();
  return env[name];
}
