import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initComposeSecrets } from '../../src/runtime/compose-secrets.ts';
import { freePort } from '../../src/runtime/private-redis.ts';
import { REPO } from './temp-run.ts';

const run = promisify(execFile);

/** `docker compose` (v2) when installed, else Debian's `docker-compose` (v1), else null. */
export function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}

export const COMPOSE_SERVICES = ['redis', 'asp-jordan', 'asp-alex', 'asp-sarah', 'asp-admin'] as const;

/**
 * The shipped compose.yml with test/compose.host.yml layered on it (host
 * networking, loopback ports of their own), under a unique project name and
 * container prefix, with its secrets, data and workspaces in a temp folder
 * (secrets root-owned 0600 when the tests run as root, as a user's would be).
 * Nothing of the checkout's own .env, secrets/, data/ or workspaces/ is used.
 */
export class ComposeStack {
  readonly tag = randomBytes(4).toString('hex');
  readonly project = `asp-itest-${this.tag}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'asp-compose-'));
  readonly secretsDir = join(this.dir, 'secrets');
  readonly dataDir = join(this.dir, 'data');
  readonly workspacesDir = join(this.dir, 'workspaces');
  readonly runsDir = join(this.dir, 'runs');
  readonly dbPath = join(this.dataDir, 'asp_telemetry.db');
  readonly envFile = join(this.dir, 'test.env');
  readonly apiKey = `sk-test${randomBytes(12).toString('hex')}`;
  redisPort = 0;
  adminPort = 0;

  constructor(private readonly compose: string[]) {}

  container(service: (typeof COMPOSE_SERVICES)[number]): string {
    return `${this.project}-${service.replace(/^asp-/, '')}`;
  }

  /** The environment of a host runner using this stack (`--runtime compose`). */
  get runnerEnv(): NodeJS.ProcessEnv {
    return { ASP_SECRETS_DIR: this.secretsDir, ASP_REDIS_PORT: String(this.redisPort) };
  }

  get runnerArgs(): string[] {
    return ['--runtime', 'compose', '--db', this.dbPath, '--workspaces', this.workspacesDir, '--runs-dir', this.runsDir];
  }

  async prepare(): Promise<void> {
    this.redisPort = await freePort();
    this.adminPort = await freePort();
    initComposeSecrets({ secretsDir: this.secretsDir, dataDir: this.dataDir, workspacesDir: this.workspacesDir, apiKey: this.apiKey });
    writeFileSync(
      this.envFile,
      [
        `ASP_SECRETS_DIR=${this.secretsDir}`,
        `ASP_DATA_DIR=${this.dataDir}`,
        `ASP_WORKSPACES_DIR=${this.workspacesDir}`,
        `ASP_REDIS_PORT=${this.redisPort}`,
        `ASP_ADMIN_PORT=${this.adminPort}`,
        `ASP_CONTAINER_PREFIX=${this.project}`,
        ...(process.env.ASP_IMAGE ? [`ASP_IMAGE=${process.env.ASP_IMAGE}`] : []),
        '',
      ].join('\n'),
    );
  }

  cmd(...args: string[]) {
    const [bin = 'docker', ...pre] = this.compose;
    return run(bin, [...pre, '-p', this.project, '--env-file', this.envFile, '-f', join(REPO, 'compose.yml'), '-f', join(REPO, 'test/compose.host.yml'), ...args], {
      cwd: REPO,
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  }

  /** Docker objects still labelled with this project (containers, volumes, networks). */
  async leftovers(): Promise<string[]> {
    const label = `label=com.docker.compose.project=${this.project}`;
    const out: string[] = [];
    for (const kind of [
      ['ps', '-a'],
      ['volume', 'ls'],
      ['network', 'ls'],
    ]) {
      const { stdout } = await run('docker', [...kind, '-q', '--filter', label]);
      out.push(
        ...stdout
          .split('\n')
          .filter(Boolean)
          .map((id) => `${kind[0]} ${id}`),
      );
    }
    return out;
  }

  async down(): Promise<void> {
    await this.cmd('down', '-v', '--timeout', '5');
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
