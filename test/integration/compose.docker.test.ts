import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSONA_IDENTITIES, WORKER_PERSONAS, type AnyPersona } from '../../src/personas.ts';
import { RedisClient } from '../../src/queue/bullmq-driver.ts';
import { HEARTBEAT_INTERVAL_MS } from '../../src/queue/listener-registry.ts';
import { COMPOSE_QUEUE_PREFIX } from '../../src/runtime/compose-secrets.ts';
import { ensureImage } from '../../src/runtime/docker-image-builder.ts';
import { DEFAULT_IMAGE } from '../../src/runtime/docker-listener-spec.ts';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { COMPOSE_SERVICES, ComposeStack, composeCommand } from '../support/compose-stack.ts';
import { announceDocker, docker } from '../support/docker-engine.ts';
import { lastJson, REPO, runCli, TempRun } from '../support/temp-run.ts';

/**
 * The shipped compose.yml as a runtime, against the real engine: only
 * test/compose.host.yml is layered on it (host networking, this machine's
 * loopback rule). The stack comes up with the offline Redis image, runs
 * task-a from the host (`--runtime compose`) and from inside asp-admin, and
 * `down -v` leaves nothing behind.
 */
announceDocker('compose');
const execp = promisify(execFile);
const compose = docker.available ? composeCommand() : null;
if (docker.available && !compose) console.warn('[compose] NOT RUN: neither `docker compose` nor `docker-compose` is installed (docker/start-dockerd.sh installs it)');

const CHROMIUM = process.env.ASP_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = join(REPO, 'runs', 'compose-dashboard.png');
// The page's globals, typed just enough for the functions run in the browser (tsconfig has no DOM lib).
declare const document: { body: { dataset: Record<string, string | undefined> }; getElementById(id: string): { textContent: string | null } | null };

interface Summary {
  runId: string;
  status: string;
  digest: string;
  runtime: string;
}

describe.skipIf(!compose)('compose.yml: the standing persona containers as a runtime', () => {
  const stack = new ComposeStack(compose ?? []);
  let processDigest = '';
  const composeRuns: Summary[] = [];

  beforeAll(async () => {
    // asp-platform:latest and (offline) asp-redis:latest from this machine.
    await ensureImage({ image: process.env.ASP_IMAGE ?? DEFAULT_IMAGE, build: 'auto', offline: true, client: docker.client });
    await stack.prepare();
    await stack.cmd('config', '-q');
    const started = Date.now();
    await stack.cmd('up', '-d');
    console.info(`[compose] up -d returned after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const deadline = Date.now() + 240_000;
    for (;;) {
      const states = await Promise.all(COMPOSE_SERVICES.map(async (s) => (await docker.client.inspect(stack.container(s)))?.health ?? 'missing'));
      if (states.every((s) => s === 'healthy')) break;
      if (Date.now() > deadline) {
        const logs = await execp('docker', ['logs', '--tail', '20', stack.container('asp-admin')]).catch(() => ({ stdout: '', stderr: '' }));
        throw new Error(`not healthy in time: ${COMPOSE_SERVICES.map((s, i) => `${s}=${states[i]}`).join(' ')}\n${logs.stdout}${logs.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.info(`[compose] all five healthy ${((Date.now() - started) / 1000).toFixed(1)} s after up`);
    // The same scenario and seed on the process runtime (the shared Redis), for the digest.
    const temp = new TempRun();
    try {
      const result = await runCli(['simulate', 'scenarios/task-a.yaml', '--json', ...temp.cliArgs()]);
      expect(result.code, result.stderr).toBe(0);
      processDigest = lastJson<Summary>(result.stdout).digest;
    } finally {
      temp.cleanup();
    }
  }, 900_000);

  afterAll(async () => {
    try {
      await stack.down();
      expect(await stack.leftovers()).toEqual([]);
    } finally {
      stack.cleanup();
    }
  }, 300_000);

  it('Redis runs the offline image built from this machine, behind authentication', async () => {
    const details = await docker.client.inspect(stack.container('redis'));
    expect(details?.health).toBe('healthy');
    const { stdout } = await execp('docker', ['inspect', '--format', '{{.Config.Image}}', stack.container('redis')]);
    expect(stdout.trim()).toBe(process.env.ASP_REDIS_IMAGE ?? 'asp-redis:latest');
    const anonymous = new RedisClient(`redis://127.0.0.1:${stack.redisPort}`, { timeoutMs: 3000 });
    try {
      await expect(anonymous.command('GET', `${COMPOSE_QUEUE_PREFIX}:alex:meta`)).rejects.toThrow(/NOAUTH/);
    } finally {
      await anonymous.close();
    }
  });

  it("Alex's ACL user reaches its own queue and is refused on Sarah's", async () => {
    const { stdout: password } = await execp('cat', [join(stack.secretsDir, 'redis_password_alex')]);
    const alex = new RedisClient(`redis://asp-alex:${password.trim()}@127.0.0.1:${stack.redisPort}`, { timeoutMs: 3000 });
    try {
      await expect(alex.command('LLEN', 'asp:alex:wait')).resolves.toBeTypeOf('number');
      await expect(alex.command('LLEN', 'asp:sarah:wait')).rejects.toThrow(/NOPERM/);
      await expect(alex.command('GET', 'asp:listeners:sarah:asp-sarah')).rejects.toThrow(/NOPERM/);
    } finally {
      await alex.close();
    }
  });

  it("two task-a runs at once from the host go through the standing listeners, each with the process runtime's digest", async () => {
    const [a, b] = await Promise.all([1, 2].map(() => runCli(['simulate', 'scenarios/task-a.yaml', '--json', ...stack.runnerArgs], stack.runnerEnv, 300_000)));
    for (const r of [a, b]) {
      expect(r?.code, r?.stderr).toBe(0);
      const summary = lastJson<Summary>(r?.stdout ?? '');
      expect(summary).toMatchObject({ status: 'completed', runtime: 'compose', digest: processDigest });
      composeRuns.push(summary);
    }
    expect(composeRuns[0]?.runId).not.toBe(composeRuns[1]?.runId);
    // Every step was done by the standing containers, not by listeners of the run.
    const store = new SqliteTelemetryStore(stack.dbPath);
    try {
      for (const run of composeRuns) {
        const listeners = store.query<{ listener_id: string }>('SELECT DISTINCT listener_id FROM step_results WHERE run_id = ? ORDER BY 1', run.runId);
        expect(listeners.map((l) => l.listener_id)).toEqual(['asp-alex', 'asp-jordan', 'asp-sarah']);
      }
    } finally {
      store.close();
    }
  }, 600_000);

  it("the admin API of the stack lists the runs from the shared database; its health shows each listener's last step", async () => {
    const runs = (await (await fetch(`http://127.0.0.1:${stack.adminPort}/api/runs`)).json()) as { runs: Array<{ run_id: string; status: string }> };
    for (const run of composeRuns) expect(runs.runs.find((r) => r.run_id === run.runId)?.status).toBe('completed');
    type Health = {
      ok: boolean;
      checks: Array<{ group: string; name: string; detail: string; data?: { beats?: Array<{ id: string; beatAgeMs: number; lastStep: { runId: string } | null }> } }>;
    };
    const beatOf = (h: Health, persona: string) => h.checks.find((c) => c.name === `listener ${persona}`)?.data?.beats?.[0];
    // A listener's last step travels with its heartbeat, sent every HEARTBEAT_INTERVAL_MS: two runs can finish
    // (they take under a second on a quiet machine) before a listener's next beat. So: within a few beats.
    const deadline = Date.now() + 5 * HEARTBEAT_INTERVAL_MS;
    let health: Health;
    for (;;) {
      health = (await (await fetch(`http://127.0.0.1:${stack.adminPort}/api/health`)).json()) as Health;
      if (WORKER_PERSONAS.every((p) => beatOf(health, p)?.lastStep) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(health.ok).toBe(true);
    for (const persona of WORKER_PERSONAS) {
      const beat = beatOf(health, persona);
      expect(beat?.id).toBe(PERSONA_IDENTITIES[persona].container);
      expect(beat?.beatAgeMs).toBeLessThan(5000);
      const restarts = (await execp('docker', ['inspect', '--format', '{{.RestartCount}} {{.State.StartedAt}}', stack.container(`asp-${persona}`)])).stdout.trim();
      expect(
        composeRuns.map((r) => r.runId),
        `${persona}: beat ${JSON.stringify(beat)}; restarts/started ${restarts}; now ${new Date().toISOString()}`,
      ).toContain(beat?.lastStep?.runId);
      expect(health.checks.find((c) => c.name === `queue ${persona}`)?.detail).toMatch(/^depth 0,/);
    }
  });

  it.skipIf(!existsSync(CHROMIUM))(
    "the stack's dashboard in a browser shows the compose run and each standing listener (screenshot)",
    async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
        const runId = composeRuns[1]?.runId ?? '';
        await page.goto(`http://127.0.0.1:${stack.adminPort}/#${encodeURIComponent(runId)}`);
        await page.waitForFunction((id) => document.body.dataset.ready === id, runId, { timeout: 30_000 });
        await page.waitForFunction(() => (document.getElementById('listener-table')?.textContent ?? '').includes('asp-sarah'), undefined, { timeout: 20_000 });
        const listeners = await page.evaluate(() => document.getElementById('listener-table')?.textContent ?? '');
        for (const name of ['asp-jordan', 'asp-alex', 'asp-sarah']) expect(listeners).toContain(name);
        expect(listeners).toMatch(/run-\d{14}-[0-9a-f]{6}/);
        expect(await page.locator('#run-select option').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Task A')]));
        mkdirSync(join(REPO, 'runs'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
        console.info(`[compose] dashboard screenshot: ${SCREENSHOT}`);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );

  it("commits in the shared workspaces carry Jordan's, Alex's and Sarah's identities", async () => {
    const repo = join(stack.workspacesDir, composeRuns[0]?.runId ?? 'missing', 'task-a');
    expect(existsSync(repo)).toBe(true);
    // The repositories belong to the persona user (1000 here: the tests run as root, who owns no workspace).
    const { stdout } = await execp('git', ['-c', 'safe.directory=*', '-C', repo, 'log', '--format=%an <%ae>|%cn']);
    const authors = new Set(
      stdout
        .trim()
        .split('\n')
        .map((l) => l.split('|')[0]),
    );
    expect([...authors].sort()).toEqual(WORKER_PERSONAS.map((p) => `${PERSONA_IDENTITIES[p].gitName} <${PERSONA_IDENTITIES[p].gitEmail}>`).sort());
    const { stdout: owner } = await execp('stat', ['-c', '%u', repo]);
    expect(owner.trim()).toBe('1000');
  });

  it.skipIf(process.getuid?.() !== 0)('a workspaces folder owned by a host user: the persona runs as that user, and git on the host reads its repository as it is', async () => {
    // What the entrypoint does for a non-root host user (here UID 1001, made up): no chown, no safe.directory.
    const { stdout: image } = await execp('docker', ['inspect', '--format', '{{.Config.Image}}', stack.container('asp-alex')]);
    // A folder UID 1001 can reach (the stack's temp folder is 0700).
    const parent = mkdtempSync(join(tmpdir(), 'asp-ws-1001-'));
    chmodSync(parent, 0o755);
    const folder = join(parent, 'workspaces');
    mkdirSync(folder);
    chownSync(folder, 1001, 1001);
    try {
      const inside = await execp('docker', [
        'run',
        '--rm',
        '--network',
        'none',
        '-u',
        '0:0',
        '--tmpfs',
        '/run/asp',
        '-v',
        `${folder}:/app/workspaces`,
        '-v',
        `${join(stack.secretsDir, 'api_key.txt')}:/run/secrets/api_key:ro`,
        '-e',
        'GIT_AUTHOR_NAME=Alex Dev',
        '-e',
        'GIT_AUTHOR_EMAIL=alex@example.com',
        '--entrypoint',
        '/app/docker/compose-entrypoint.sh',
        image.trim(),
        'sh',
        '-c',
        'id -u; cd /app/workspaces && git init -q repo && cd repo && git commit -q --allow-empty -m first && echo committed',
      ]);
      expect(inside.stdout.trim().split('\n')).toEqual(['1001', 'committed']);
      const { stdout: owner } = await execp('stat', ['-c', '%u', join(folder, 'repo', '.git')]);
      expect(owner.trim()).toBe('1001');
      const host = await execp('setpriv', ['--reuid=1001', '--regid=1001', '--clear-groups', 'git', '-C', join(folder, 'repo'), 'log', '--format=%an <%ae>'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: folder },
      });
      expect(host.stdout.trim()).toBe('Alex Dev <alex@example.com>');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it.each([...WORKER_PERSONAS, 'admin' as const])('%s: the API key is readable by UID 1000 only, reaches the process as OPENAI_API_KEY, never docker inspect', async (persona: AnyPersona) => {
    const name = stack.container(PERSONA_IDENTITIES[persona].container as (typeof COMPOSE_SERVICES)[number]);
    const c = docker.client;
    expect((await c.exec(name, ['cat', '/run/asp/api_key'], { user: '1000' })).stdout).toBe(stack.apiKey);
    for (const file of ['/run/asp/api_key', '/run/secrets/api_key', '/run/asp/redis_url']) {
      const other = await c.exec(name, ['cat', file], { user: '1001' });
      expect(other.stdout, `${file} as UID 1001`).toBe('');
      expect(other.stderr).toMatch(/Permission denied/);
    }
    const probe = `const fs=require('fs');console.log(fs.readdirSync('/proc').filter(d=>/^\\d+$/.test(d)).some(p=>{try{return fs.readFileSync('/proc/'+p+'/environ','utf8').split('\\0').includes('OPENAI_API_KEY=${stack.apiKey}')}catch{return false}}))`;
    expect((await c.exec(name, ['node', '-e', probe], { user: '1000' })).stdout.trim()).toBe('true');
    const details = await c.inspect(name);
    expect(details?.env.ASP_ROLE).toBe(PERSONA_IDENTITIES[persona].role);
    const { stdout: inspect } = await execp('docker', ['inspect', name]);
    expect(inspect).not.toContain(stack.apiKey);
    const { stdout: logs, stderr: errLogs } = await execp('docker', ['logs', name]);
    expect(logs + errLogs).not.toContain(stack.apiKey);
  });

  it('runs from inside the network: docker compose exec asp-admin asp simulate (scenarios mounted read-only)', async () => {
    const { stdout } = await stack.cmd('exec', '-T', 'asp-admin', 'asp', 'simulate', 'scenarios/task-a.yaml', '--runtime', 'compose', '--json');
    const summary = lastJson<Summary>(stdout);
    expect(summary).toMatchObject({ status: 'completed', runtime: 'compose', digest: processDigest });
    const store = new SqliteTelemetryStore(stack.dbPath);
    try {
      expect(store.query('SELECT status FROM runs WHERE run_id = ?', summary.runId)).toEqual([{ status: 'completed' }]);
    } finally {
      store.close();
    }
    const write = await stack.cmd('exec', '-T', 'asp-admin', 'sh', '-c', 'echo x > /app/scenarios/x').then(
      () => 'written',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(write).toMatch(/Read-only file system/);
  }, 300_000);

  it('a persona that is down: exit 2 naming it and `docker compose up -d`, nothing written', async () => {
    await execp('docker', ['stop', '-t', '5', stack.container('asp-sarah')]);
    try {
      const store = new SqliteTelemetryStore(stack.dbPath);
      const before = store.query<{ n: number }>('SELECT count(*) AS n FROM runs')[0]?.n;
      store.close();
      // The heartbeat expires within its TTL.
      await new Promise((r) => setTimeout(r, 6000));
      const result = await runCli(['simulate', 'scenarios/task-a.yaml', ...stack.runnerArgs], stack.runnerEnv);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('asp-sarah');
      expect(result.stderr).toContain('docker compose up -d');
      const after = new SqliteTelemetryStore(stack.dbPath);
      expect(after.query<{ n: number }>('SELECT count(*) AS n FROM runs')[0]?.n).toBe(before);
      after.close();
    } finally {
      await execp('docker', ['start', stack.container('asp-sarah')]);
    }
  }, 120_000);
});
