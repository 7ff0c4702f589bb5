import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { announceDocker, docker } from '../support/docker-engine.ts';

announceDocker('docker image');
const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const client = docker.client;
// A throw-away tag, so the test proves a full build without touching asp-platform:latest.
const IMAGE = `asp-platform:itest-${randomBytes(4).toString('hex')}`;

/** Runs a one-off command in a container of the image and returns its output lines. */
async function runIn(image: string, cmd: string[], env: Record<string, string> = {}): Promise<{ code: number | null; lines: string[] }> {
  const id = await client.run({ name: `asp-itest-${randomBytes(4).toString('hex')}`, image, cmd, env, labels: { 'asp.test': 'true' }, networkMode: 'host' });
  try {
    const lines: string[] = [];
    const logs = await client.followLogs(id, (_s, line) => lines.push(line));
    const code = await client.wait(id);
    await logs.ended;
    return { code, lines };
  } finally {
    await client.stopAndRemove(id, 0);
  }
}

describe.skipIf(!docker.available)('docker/build-image.sh --offline', () => {
  afterAll(async () => {
    await client.removeImage(IMAGE);
  });

  it('builds the image from asp-base:local with no registry, as a non-root user, without repo data or secrets', async () => {
    const started = Date.now();
    const { stderr } = await run('bash', [join(REPO, 'docker/build-image.sh'), '--offline', '--force'], {
      env: { ...process.env, ASP_IMAGE: IMAGE },
      timeout: 600_000,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const image = await client.image(IMAGE);
    const base = await client.image('asp-base:local');
    console.info(`[docker image] offline build of ${IMAGE}: ${seconds} s; image ${((image?.sizeBytes ?? 0) / 1e6).toFixed(0)} MB, base ${((base?.sizeBytes ?? 0) / 1e6).toFixed(0)} MB`);
    expect(stderr).toMatch(/from base asp-base:local/);
    expect(image?.labels['asp.image.fingerprint']).toMatch(/^[0-9a-f]{32}$/);
    expect(base?.labels['asp.base.fingerprint']).toMatch(/^node-v20\./);

    const { code, lines } = await runIn(
      IMAGE,
      [
        'sh',
        '-c',
        'id -u; id -g; echo "home=$HOME"; echo "in=$ASP_IN_CONTAINER"; node --version; git --version; ls -A /app; ls /app/node_modules | grep -cx -e bullmq -e better-sqlite3 -e zod; ls /app/node_modules | grep -cx tsx; git config --global user.name',
      ],
      { GIT_AUTHOR_NAME: 'Alex Dev', GIT_AUTHOR_EMAIL: 'alex@example.com' },
    );
    expect(code).toBe(0);
    const [uid, gid, home, inContainer, nodeVersion, gitVersion, ...rest] = lines;
    expect(uid).toBe('1000');
    expect(gid).toBe('1000');
    expect(home).toBe('home=/home/asp');
    expect(inContainer).toBe('in=true');
    expect(nodeVersion).toMatch(/^v20\./);
    expect(gitVersion).toMatch(/^git version /);
    // /app holds the compiled engine (dist/, no sources) and nothing of the repository's data, tests, git or secrets.
    const appEntries = rest.slice(0, -3);
    expect(appEntries.sort()).toEqual(['data', 'dist', 'docker', 'node_modules', 'package-lock.json', 'package.json', 'workspaces']);
    // Production dependencies only: the engine's drivers are there, tsx (a dev dependency) is not.
    expect(rest.at(-3)).toBe('3');
    expect(rest.at(-2)).toBe('0');
    // The entrypoint set the persona's git identity from GIT_AUTHOR_NAME.
    expect(rest.at(-1)).toBe('Alex Dev');
  }, 900_000);

  it('the engine runs in the image: the CLI answers and better-sqlite3 loads its native module', async () => {
    const cli = await runIn(IMAGE, ['node', 'dist/cli/entry.js', 'probe', '--x', '130,650,99,150,128,302,95,945', '--y', '186,699,132,272,291,331,199,1890', '--xk', '386', '--json']);
    expect(cli.code).toBe(0);
    const estimate = JSON.parse(cli.lines.at(-1) ?? '{}') as { beta1?: number; yk?: number };
    expect(estimate.beta1).toBeCloseTo(1.7483, 3);
    expect(estimate.yk).toBeCloseTo(628.7, 1);
    const sqlite = await runIn(IMAGE, ['node', '-e', 'const D=require("better-sqlite3"); console.log(new D(":memory:").prepare("select 41+1 as v").get().v)']);
    expect(sqlite).toEqual({ code: 0, lines: ['42'] });
  }, 300_000);
});
