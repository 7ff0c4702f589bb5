import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth, type HealthReport } from '../../src/admin/health-checks.ts';
import { queueJobCounts, RedisClient, StepConsumer, StepQueue } from '../../src/queue/bullmq-driver.ts';
import { Heartbeat } from '../../src/queue/listener-registry.ts';
import { LATEST_SCHEMA_VERSION } from '../../src/telemetry/migrations.ts';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { REDIS_URL, runCli, TempRun } from '../support/temp-run.ts';

const DOWN_REDIS = 'redis://127.0.0.1:1';

let temp: TempRun | undefined;
let prefix: string;
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  if (prefix) {
    const redis = new RedisClient(REDIS_URL);
    await redis.del(...(await redis.scan(`${prefix}:*`)));
    await redis.close();
  }
  temp?.cleanup();
  temp = undefined;
});

function migratedDb(to?: number): TempRun {
  const t = new TempRun();
  const store = new SqliteTelemetryStore(t.dbPath);
  store.migrate(to === undefined ? {} : { to });
  store.close();
  return t;
}

async function beat(persona: 'jordan' | 'alex' | 'sarah'): Promise<void> {
  const hb = new Heartbeat(REDIS_URL, prefix, () => ({ persona, listenerId: `${persona}-1`, userId: `${persona}@example.com`, pid: process.pid, host: 'test', startedAt: 0, jobsDone: 3 }));
  await hb.start();
  closers.push(() => hb.close());
}

const status = (r: HealthReport) => Object.fromEntries(r.checks.map((c) => [c.name, c.status]));

describe('admin health checks (real Redis, real SQLite)', () => {
  it('`asp admin health` with Redis down prints a table with redis DOWN and exits non-zero', async () => {
    temp = migratedDb();
    const result = await runCli(['admin', 'health', '--db', temp.dbPath, '--redis', DOWN_REDIS]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/redis\s+✖ DOWN\s+no answer at redis:\/\/127\.0\.0\.1:1/);
    expect(result.stdout).toMatch(new RegExp(`database\\s+✔ ok\\s+writable, schema v${LATEST_SCHEMA_VERSION} \\(latest\\)`));
    expect(result.stdout).toContain('UNHEALTHY');

    const json = await runCli(['admin', 'health', '--json', '--checks', 'redis', '--db', temp.dbPath, '--redis', DOWN_REDIS]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as HealthReport;
    expect(report.ok).toBe(false);
    expect(report.checks).toEqual([expect.objectContaining({ name: 'redis', status: 'down' })]);
  });

  it('reports a missing database and one behind the latest migration as down', async () => {
    temp = migratedDb(1);
    const behind = await checkHealth({ dbPath: temp.dbPath, redisUrl: REDIS_URL, prefix: 'unused', groups: ['database'] });
    expect(behind.ok).toBe(false);
    expect(behind.checks[0]?.detail).toBe(`schema v1, latest is v${LATEST_SCHEMA_VERSION} (run \`asp admin migrate\`)`);
    const missing = await checkHealth({ dbPath: `${temp.dbPath}.missing`, redisUrl: REDIS_URL, prefix: 'unused', groups: ['database'] });
    expect(missing.checks[0]).toMatchObject({ status: 'down', detail: expect.stringMatching(/does not exist/) });
  });

  it('checks each persona listener heartbeat and queue; failed jobs warn without failing', async () => {
    temp = migratedDb();
    prefix = `asp-health-${randomBytes(4).toString('hex')}`;
    const options = { dbPath: temp.dbPath, redisUrl: REDIS_URL, prefix };

    await beat('jordan');
    await beat('alex');
    const partial = await checkHealth(options);
    expect(partial.ok).toBe(false);
    expect(status(partial)).toEqual({
      redis: 'ok',
      database: 'ok',
      'listener jordan': 'ok',
      'listener alex': 'ok',
      'listener sarah': 'down',
      'queue jordan': 'ok',
      'queue alex': 'ok',
      'queue sarah': 'ok',
    });
    expect(partial.checks.find((c) => c.name === 'listener alex')?.detail).toBe('1 alive (alex-1), 3 jobs done, no step yet');

    await beat('sarah');
    // One job that fails for good on sarah's queue, one waiting on alex's.
    const sarah = new StepQueue({ redisUrl: REDIS_URL, prefix, persona: 'sarah' }, { onCompleted: () => undefined, onFailed: () => undefined });
    const alex = new StepQueue({ redisUrl: REDIS_URL, prefix, persona: 'alex' }, { onCompleted: () => undefined, onFailed: () => undefined });
    closers.push(
      () => sarah.close(),
      () => alex.close(),
    );
    await Promise.all([sarah.ready(), alex.ready()]);
    const consumer = new StepConsumer({
      redisUrl: REDIS_URL,
      prefix,
      persona: 'sarah',
      concurrency: 1,
      handler: async () => {
        throw new Error('boom');
      },
    });
    closers.push(() => consumer.close(true));
    await consumer.start();
    await sarah.addRaw('step', { bad: true }, 'job-1');
    await alex.addRaw('step', { waiting: true }, 'job-2');
    for (let i = 0; i < 100 && (await queueJobCounts(REDIS_URL, prefix, 'sarah')).failed !== 1; i++) await new Promise((r) => setTimeout(r, 50));

    const report = await checkHealth(options);
    expect(report.ok).toBe(true);
    expect(status(report)).toMatchObject({ 'listener sarah': 'ok', 'queue sarah': 'warn', 'queue alex': 'ok', 'queue jordan': 'ok' });
    expect(report.checks.find((c) => c.name === 'queue sarah')?.data).toMatchObject({ failed: 1, depth: 0 });
    expect(report.checks.find((c) => c.name === 'queue alex')?.data).toMatchObject({ failed: 0, depth: 1 });

    const cli = await runCli(['admin', 'health', '--db', temp.dbPath, '--redis', REDIS_URL, '--prefix', prefix]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/queue sarah\s+▲ warn\s+depth 0, active 0, failed 1/);
    expect(cli.stdout).toContain('healthy (1 warning)');
  });
});
