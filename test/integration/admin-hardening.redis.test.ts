import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisClient } from '../../src/queue/bullmq-driver.ts';
import { startPrivateRedis, type RedisHandle } from '../../src/runtime/private-redis.ts';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { AdminProcess } from '../support/admin-process.ts';
import { runCli, TempRun } from '../support/temp-run.ts';

/**
 * The admin and the Redis credentials under attack, against real processes
 * and a redis-server of this test's own (ports 16500-16599).
 */
const PORT = 16500 + (process.pid % 50);

let temp: TempRun | undefined;
let redis: RedisHandle | undefined;
let admin: AdminProcess | undefined;

afterEach(async () => {
  await admin?.stop();
  admin = undefined;
  await redis?.close();
  redis = undefined;
  temp?.cleanup();
  temp = undefined;
});

function migratedDb(): TempRun {
  const t = new TempRun();
  const store = new SqliteTelemetryStore(t.dbPath);
  store.migrate();
  store.close();
  return t;
}

/** A raw HTTP GET (fetch would normalise the path and forbid setting Host). */
function get(url: string, path: string, host?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers: host === undefined ? {} : { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('admin and Redis credentials under attack', () => {
  it('answers a malformed %-escape with 400 and logs no stack trace', async () => {
    temp = migratedDb();
    admin = await AdminProcess.start(['--db', temp.dbPath]);
    for (const path of ['/api/runs/%E0%A4%A', '/assets/%', '/api/runs/%zz']) {
      const res = await get(admin.url, path);
      expect(res.status).toBe(400);
      expect(res.body).toContain('malformed');
    }
    expect((await get(admin.url, '/api/runs')).status).toBe(200);
    expect(admin.stderr).not.toMatch(/URIError|at decodeURIComponent|"stack"/);
  });

  it('refuses a foreign Host header (DNS rebinding) and accepts loopback names', async () => {
    temp = migratedDb();
    admin = await AdminProcess.start(['--db', temp.dbPath]);
    const port = new URL(admin.url).port;
    for (const host of ['evil.example', `evil.example:${port}`, `attacker.127.0.0.1.nip.io:${port}`, `127.0.0.1.evil.example:${port}`]) {
      const res = await get(admin.url, '/api/runs', host);
      expect(res.status, host).toBe(421);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
      expect((await get(admin.url, '/api/runs', host)).status, host).toBe(200);
    }
  });

  it('`admin health` leaves no key in the Redis it checks', async () => {
    temp = migratedDb();
    redis = await startPrivateRedis(PORT);
    const client = new RedisClient(redis.url);
    try {
      expect(await client.command('DBSIZE')).toBe(0);
      const result = await runCli(['admin', 'health', '--db', temp.dbPath, '--redis', redis.url, '--json']);
      expect(result.stdout).toContain('"name":"queue alex"');
      expect(await client.command('DBSIZE')).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('the private redis-server has its default user disabled: no AUTH or `AUTH default x` gives nothing', async () => {
    redis = await startPrivateRedis(PORT + 50);
    // What a hostile listener would send, as raw RESP inline commands.
    const replies = await rawRedis(PORT + 50, ['PING', 'AUTH default x', 'AUTH default ""', 'KEYS *', 'ACL WHOAMI']);
    expect(replies[0]).toMatch(/^-NOAUTH/);
    expect(replies[1]).toMatch(/^-WRONGPASS/);
    expect(replies[2]).toMatch(/^-WRONGPASS/);
    expect(replies[3]).toMatch(/^-NOAUTH/);
    expect(replies[4]).toMatch(/^-NOAUTH/);
    const client = new RedisClient(redis.url);
    try {
      expect(await client.command('PING')).toBe('PONG');
    } finally {
      await client.close();
    }
  });

  it('a wrong Redis password is reported as an authentication failure naming the user (exit 2, nothing written)', async () => {
    redis = await startPrivateRedis(PORT);
    temp = new TempRun();
    const wrong = new URL(redis.url);
    wrong.password = 'not-the-password';
    const result = await runCli(['simulate', 'scenarios/task-a.yaml', ...temp.cliArgs(), '--redis', wrong.toString()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refused to log in user "asp-admin"/);
    expect(result.stderr).toMatch(/WRONGPASS/);
    expect(result.stderr).not.toContain('not-the-password');
    expect(result.stderr).not.toMatch(/does not answer/);
    expect(temp.written()).toEqual([]);

    const health = await runCli(['admin', 'health', '--checks', 'redis', '--redis', wrong.toString()]);
    expect(health.code).toBe(1);
    expect(health.stdout).toMatch(/authentication failed/);
  });

  it('a password given with --redis does not show in ps; --redis-url-file keeps it off the command line', async () => {
    redis = await startPrivateRedis(PORT);
    temp = migratedDb();
    const password = new URL(redis.url).password;
    admin = await AdminProcess.start(['--db', temp.dbPath, '--redis', redis.url]);
    const cmdline = readFileSync(`/proc/${admin.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('asp-admin:***@');
    expect(cmdline).not.toContain(password);
    expect(admin.stderr).toMatch(/warning: a password given with --redis is visible/);
    await admin.stop();

    const file = join(temp.dir, 'redis-url');
    writeFileSync(file, `${redis.url}\n`, { mode: 0o600 });
    admin = await AdminProcess.start(['--db', temp.dbPath, '--redis-url-file', file]);
    expect(readFileSync(`/proc/${admin.pid}/cmdline`, 'utf8')).not.toContain(password);
    const health = await get(admin.url, '/api/health');
    expect(JSON.parse(health.body).checks.find((c: { name: string }) => c.name === 'redis')?.status).toBe('ok');
  });
});

/** Sends inline commands over a plain TCP connection and returns one reply line per command. */
function rawRedis(port: number, commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString();
      const lines = text.split('\r\n').filter(Boolean);
      if (lines.length >= commands.length) {
        socket.destroy();
        resolve(lines);
      }
    });
    socket.on('error', reject);
    socket.write(commands.map((c) => `${c}\r\n`).join(''));
  });
}
