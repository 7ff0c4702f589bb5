import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AspError } from '../errors.ts';
import { WORKER_PERSONAS, type PersonaName } from '../personas.ts';
import { escapeGlob, personaAclRules, QUEUE_COMMAND_RULES } from './persona-credentials.ts';

/**
 * The compose stack's credentials (compose.yml, `npm run compose:init`):
 * the stack's Redis has no unauthenticated access (its default user is off)
 * and one ACL user per client:
 *
 * - `asp-jordan`, `asp-alex`, `asp-sarah`: the standing listeners, each
 *   limited to its own queue and heartbeat keys under the stack's fixed prefix
 *   (`asp:<persona>:*`, `asp:listeners:<persona>:*`), the same rules the
 *   process and docker runtimes give their per-run users;
 * - `asp-runner`: the runner (`asp simulate --runtime compose`, on the host
 *   or inside asp-admin) and the admin: every key under the prefix, plus SCAN
 *   to find the listeners' heartbeats.
 *
 * Files in the secrets folder (0700; files 0600; never overwritten except the
 * ACL file, which is derived from the passwords): `api_key.txt` (the
 * personas' API key, given by the user), `redis_password_<who>` (random) and
 * `redis_users.acl` (Redis ACL file, SHA-256 of each password).
 */
export const COMPOSE_QUEUE_PREFIX = 'asp';
export const COMPOSE_RUNNER_USER = 'asp-runner';
export const COMPOSE_ACL_FILE = 'redis_users.acl';
export const COMPOSE_API_KEY_FILE = 'api_key.txt';
/** The Redis port the stack publishes on the host's loopback (ASP_REDIS_PORT). */
export const COMPOSE_REDIS_PORT = 6380;

export type ComposeClient = PersonaName | 'runner';
export const COMPOSE_CLIENTS: readonly ComposeClient[] = ['runner', ...WORKER_PERSONAS];

export function composeUserName(client: ComposeClient): string {
  return client === 'runner' ? COMPOSE_RUNNER_USER : `asp-${client}`;
}

export function composePasswordFile(client: ComposeClient): string {
  return `redis_password_${client}`;
}

/** The runner's rules: every key under the prefix, SCAN for the heartbeats, no pub/sub. */
export function runnerAclRules(prefix: string): string[] {
  return ['resetkeys', `~${escapeGlob(prefix)}:*`, 'resetchannels', ...QUEUE_COMMAND_RULES.filter((r) => r !== '-scan'), '+scan'];
}

/** The Redis ACL file: the default user off, one user per client with the SHA-256 of its password. */
export function composeAclFile(passwords: Readonly<Record<ComposeClient, string>>, prefix = COMPOSE_QUEUE_PREFIX): string {
  const lines = ['user default off resetkeys resetchannels -@all'];
  for (const client of COMPOSE_CLIENTS) {
    const hash = createHash('sha256').update(passwords[client]).digest('hex');
    const rules = client === 'runner' ? runnerAclRules(prefix) : personaAclRules(prefix, client);
    lines.push(['user', composeUserName(client), 'on', `#${hash}`, ...rules].join(' '));
  }
  return `${lines.join('\n')}\n`;
}

export interface ComposeInitOptions {
  secretsDir: string;
  dataDir: string;
  workspacesDir: string;
  /** The API key for secrets/api_key.txt when that file does not exist yet. */
  apiKey?: string;
  /** Owner of folders this call creates when it runs as root (the persona user, default 1000:1000). */
  personaUid?: number;
  personaGid?: number;
}

export interface ComposeInitReport {
  /** Files and folders this call created (existing ones are kept as they are). */
  created: string[];
  /** Folders created as root and given to the persona user. */
  chowned: string[];
}

/**
 * Creates what compose.yml needs before `docker compose up -d`: the secrets
 * (keeping those that exist), the ACL file derived from the passwords, and the
 * shared data and workspaces folders. Changes the owner of nothing that
 * existed before; a folder it creates as root goes to the persona user so the
 * containers can write there.
 */
export function initComposeSecrets(options: ComposeInitOptions): ComposeInitReport {
  const report: ComposeInitReport = { created: [], chowned: [] };
  const secrets = resolve(options.secretsDir);
  const keyFile = join(secrets, COMPOSE_API_KEY_FILE);
  if (!existsSync(keyFile) && !options.apiKey) {
    throw new AspError('USAGE', `${keyFile} does not exist and no API key was given`, {
      exitCode: 2,
      hint: 'set OPENAI_API_KEY (the personas receive it as OPENAI_API_KEY; the simulated personas never call an API, so any text works), e.g. `OPENAI_API_KEY=sk-... npm run compose:init`, or write the key to that file',
    });
  }
  if (!existsSync(secrets)) report.created.push(secrets);
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const write = (file: string, content: string) => {
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, content, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  };
  if (!existsSync(keyFile)) {
    write(keyFile, options.apiKey ?? '');
    report.created.push(keyFile);
  }
  const passwords = {} as Record<ComposeClient, string>;
  for (const client of COMPOSE_CLIENTS) {
    const file = join(secrets, composePasswordFile(client));
    if (!existsSync(file)) {
      write(file, randomBytes(32).toString('hex'));
      report.created.push(file);
    }
    passwords[client] = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{16,}$/i.test(passwords[client])) {
      throw new AspError('USAGE', `${file} must hold a hex password (16+ characters)`, { exitCode: 2, hint: 'delete the file and run `npm run compose:init` again to generate one' });
    }
  }
  write(join(secrets, COMPOSE_ACL_FILE), composeAclFile(passwords));
  const uid = options.personaUid ?? 1000;
  const gid = options.personaGid ?? 1000;
  for (const dir of [options.dataDir, options.workspacesDir].map((d) => resolve(d))) {
    if (existsSync(dir)) continue;
    mkdirSync(dir, { recursive: true });
    report.created.push(dir);
    if (process.getuid?.() === 0) {
      chownSync(dir, uid, gid);
      report.chowned.push(dir);
    }
  }
  return report;
}

/** The runner's URL for the stack's Redis as the host sees it (published on loopback). */
export function hostRunnerUrl(secretsDir: string, port: number): string {
  const file = resolve(secretsDir, composePasswordFile('runner'));
  if (!existsSync(file)) {
    throw new AspError('USAGE', `no compose credentials: ${file} does not exist`, {
      exitCode: 2,
      hint: 'set the stack up first: `npm run compose:init`, then `docker compose up -d` (or pass --redis with the runner URL)',
    });
  }
  const password = readFileSync(file, 'utf8').trim();
  return `redis://${COMPOSE_RUNNER_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
}
