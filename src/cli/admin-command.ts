import { join } from 'node:path';
import { DEFAULT_ADMIN_HOST, DEFAULT_ADMIN_PORT, DEFAULT_QUEUE_PREFIX, DEFAULT_REDIS_URL, HEALTH_GROUPS, REPORT_FILE, type HealthGroup } from '../admin/admin-defaults.ts';
import { AspError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { runLayout } from '../runner/run-layout.ts';
import { readSecretEnv } from '../runtime/persona-credentials.ts';
import { openTelemetryStore } from '../telemetry/open-store.ts';
import { usageError, type CommandIo } from './command-io.ts';
import { parseCommandArgs } from './command-args.ts';

// The heavy modules are loaded per sub-command: `migrate` needs neither Redis nor the dashboard.
const HELP = `usage: asp admin [serve] [options]     apply migrations, then serve the dashboard and JSON API until SIGTERM/SIGINT
       asp admin migrate [--db]          apply pending migrations and exit
       asp admin health [--json]         Redis, database, listeners and queues; exits 1 when something is down
       asp admin report <runId> [--out]  write a run's static HTML report (default runs/<runId>/${REPORT_FILE})

  --db <file>        telemetry database (default ASP_DB or data/asp_telemetry.db)
  --port <n>         dashboard port (default ASP_ADMIN_PORT or ${DEFAULT_ADMIN_PORT}; 0 = any free port)
  --host <addr>      address to bind (default ASP_ADMIN_HOST or ${DEFAULT_ADMIN_HOST})
  --redis <url>      Redis URL (default the file ASP_REDIS_URL_FILE, ASP_REDIS_URL, REDIS_URL or ${DEFAULT_REDIS_URL})
  --prefix <name>    BullMQ prefix of the persona queues (default ASP_QUEUE_PREFIX or ${DEFAULT_QUEUE_PREFIX})
  --checks <list>    health groups to check, comma-separated (default ${HEALTH_GROUPS.join(',')})
  --json             (health) print the report as JSON
  --runs-dir <dir>   (report) where runs/<runId>/ is (default runs)
  --out <file>       (report) where to write the report
`;

export async function runAdminCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs('admin', argv, {
    help: { type: 'boolean', short: 'h', default: false },
    json: { type: 'boolean', default: false },
    db: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    redis: { type: 'string' },
    prefix: { type: 'string' },
    checks: { type: 'string' },
    'runs-dir': { type: 'string' },
    out: { type: 'string' },
    'log-level': { type: 'string' },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const [sub = 'serve', ...rest] = positionals;
  const dbPath = runLayout({ dbPath: values.db }).dbPath;
  // ASP_REDIS_URL_FILE (a compose secret with the admin's own Redis user) wins over ASP_REDIS_URL.
  const redisUrl = values.redis ?? readSecretEnv(process.env, 'ASP_REDIS_URL') ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const prefix = values.prefix ?? process.env.ASP_QUEUE_PREFIX ?? DEFAULT_QUEUE_PREFIX;
  const groups = parseGroups(values.checks);
  if (sub !== 'report' && rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, 'see `asp admin --help`');

  switch (sub) {
    case 'migrate': {
      const report = migrate(dbPath);
      io.stdout(
        report.applied.length === 0
          ? `database ${dbPath} is at the latest schema v${report.to}; nothing to do\n`
          : `database ${dbPath}: migrated v${report.from} → v${report.to} (applied ${report.applied.join(', ')})${report.backup ? `; backup ${report.backup}` : ''}\n`,
      );
      return 0;
    }
    case 'health': {
      const { checkHealth } = await import('../admin/health-checks.ts');
      const { renderHealth } = await import('../admin/health-report.ts');
      const report = await checkHealth({ dbPath, redisUrl, prefix, ...(groups ? { groups } : {}) });
      io.stdout(values.json ? `${JSON.stringify(report)}\n` : renderHealth(report));
      return report.ok ? 0 : 1;
    }
    case 'report': {
      const runId = rest[0];
      if (!runId || rest.length > 1) throw usageError('give exactly one run id', 'e.g. `asp admin report run-20260101120000-abc123`');
      const file = values.out ?? join(runLayout({ runId, runsDir: values['runs-dir'] }).runDir, REPORT_FILE);
      const { writeRunReport } = await import('../admin/run-report.ts');
      const written = writeRunReport(dbPath, runId, file);
      if (!written) throw new AspError('USAGE', `no run ${runId} in ${dbPath}`, { exitCode: 2, hint: 'list the runs with `curl http://127.0.0.1:8080/api/runs` or pass --db' });
      io.stdout(`report for ${runId} (${written.tasks} tasks): ${written.file}\n`);
      return 0;
    }
    case 'serve':
      return serve({ dbPath, redisUrl, prefix, groups, values, io });
    default:
      throw usageError(`unknown admin command "${sub}"`, 'one of: serve (default), migrate, health, report');
  }
}

function migrate(dbPath: string) {
  const store = openTelemetryStore(dbPath);
  try {
    return store.migrate();
  } finally {
    store.close();
  }
}

async function serve(o: {
  dbPath: string;
  redisUrl: string;
  prefix: string;
  groups: HealthGroup[] | undefined;
  values: { port?: string; host?: string; 'log-level'?: string };
  io: CommandIo;
}): Promise<number> {
  const port = parsePort(o.values.port ?? process.env.ASP_ADMIN_PORT ?? String(DEFAULT_ADMIN_PORT));
  const host = o.values.host ?? process.env.ASP_ADMIN_HOST ?? DEFAULT_ADMIN_HOST;
  const logger = createLogger({ level: o.values['log-level'] });
  const report = migrate(o.dbPath);
  if (report.applied.length > 0) o.io.stdout(`migrated ${o.dbPath} v${report.from} → v${report.to}${report.backup ? ` (backup ${report.backup})` : ''}\n`);
  const { startAdminServer } = await import('../admin/dashboard-server.ts');
  const server = await startAdminServer({ dbPath: o.dbPath, redisUrl: o.redisUrl, prefix: o.prefix, host, port, logger, ...(o.groups ? { healthGroups: o.groups } : {}) });
  o.io.stdout(`asp admin: dashboard at ${server.url} (database ${o.dbPath}, schema v${report.to}); Ctrl-C to stop\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(s);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  o.io.stderr(`${signal}: closing the admin server\n`);
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  try {
    await server.close();
  } finally {
    process.off('SIGINT', force);
    process.off('SIGTERM', force);
  }
  return 0;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw usageError(`--port must be a whole number from 0 to 65535, got "${value}"`);
  return n;
}

function parseGroups(value: string | undefined): HealthGroup[] | undefined {
  if (value === undefined) return undefined;
  const groups = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = groups.find((g) => !(HEALTH_GROUPS as readonly string[]).includes(g));
  if (bad || groups.length === 0) throw usageError(`--checks takes a comma-separated list of ${HEALTH_GROUPS.join(', ')}; got "${value}"`);
  return groups as HealthGroup[];
}
