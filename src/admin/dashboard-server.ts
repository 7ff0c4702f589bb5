import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { openTelemetryStore } from '../telemetry/open-store.ts';
import { dashboardAssets } from './dashboard-assets.ts';
import { renderDashboardPage } from './dashboard-page.ts';
import { DEFAULT_ADMIN_HOST, DEFAULT_ADMIN_PORT, type HealthGroup } from './admin-defaults.ts';
import { checkHealth } from './health-checks.ts';
import { allowedHostCheck, allowedHostsFromEnv } from './host-check.ts';
import { listExperiments } from '../telemetry/experiment-queries.ts';
import { listRuns, runDashboardData } from '../telemetry/telemetry-queries.ts';

/**
 * The admin's HTTP server: the live dashboard and its JSON API.
 *   GET /                 the dashboard page
 *   GET /assets/<file>    its stylesheet and scripts, chart.js from node_modules
 *   GET /api/runs         { runs: [...] } newest first (run_metrics view)
 *   GET /api/runs/<id>    one run's cycles, phases, defects, estimates, cost, throughput
 *   GET /api/health       the health checks (200 when nothing is down, else 503)
 * The database is read through its own read-only connection.
 */
export interface AdminServerOptions {
  dbPath: string;
  redisUrl: string;
  prefix: string;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 8080 (DEFAULT_ADMIN_PORT); 0 picks a free port. */
  port?: number;
  healthGroups?: readonly HealthGroup[];
  logger?: Logger;
  /** How long close() waits for open requests before cutting connections (default 3000 ms). */
  graceMs?: number;
  /** Host names accepted besides loopback and the bound address (default ASP_ADMIN_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
}

export interface AdminServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const log = (options.logger ?? silentLogger()).child({ component: 'admin-server' });
  const store = openTelemetryStore(options.dbPath, { readonly: true });
  const assets = dashboardAssets();
  const page = renderDashboardPage({ mode: 'live' });

  const host = options.host ?? DEFAULT_ADMIN_HOST;
  const hostAllowed = allowedHostCheck(host, options.allowedHosts ?? allowedHostsFromEnv());

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req.headers.host)) {
      return send(res, req, 421, json({ error: 'unknown Host; open the dashboard as http://127.0.0.1:<port>/ or http://localhost:<port>/ (other names: ASP_ADMIN_ALLOWED_HOSTS)' }));
    }
    const url = URL.canParse(req.url ?? '/', 'http://admin.local') ? new URL(req.url ?? '/', 'http://admin.local') : undefined;
    if (!url) return send(res, req, 400, json({ error: 'malformed request target' }));
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, req, 405, json({ error: 'only GET and HEAD' }), { allow: 'GET, HEAD' });
    if (path === '/' || path === '/index.html') return send(res, req, 200, { type: 'text/html; charset=utf-8', body: page });
    if (path.startsWith('/assets/')) {
      const name = decodePart(path.slice('/assets/'.length));
      if (name === undefined) return send(res, req, 400, json({ error: 'malformed %-escape in the path' }));
      const found = assets.get(name);
      return found ? send(res, req, 200, { type: found.contentType, body: found.body }, { 'cache-control': 'max-age=300' }) : send(res, req, 404, json({ error: 'no such asset' }));
    }
    if (path === '/api/runs') {
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 200) || 200));
      return send(res, req, 200, json({ runs: listRuns(store, limit) }));
    }
    if (path === '/api/experiments') return send(res, req, 200, json({ experiments: listExperiments(store) }));
    const run = /^\/api\/runs\/([^/]+)$/.exec(path);
    if (run?.[1]) {
      const runId = decodePart(run[1]);
      if (runId === undefined) return send(res, req, 400, json({ error: 'malformed %-escape in the path' }));
      const data = runDashboardData(store, runId);
      return data ? send(res, req, 200, json(data)) : send(res, req, 404, json({ error: `no run ${runId} in the database` }));
    }
    if (path === '/api/health') {
      const report = await checkHealth({
        dbPath: options.dbPath,
        redisUrl: options.redisUrl,
        prefix: options.prefix,
        ...(options.healthGroups ? { groups: options.healthGroups } : {}),
      });
      return send(res, req, report.ok ? 200 : 503, json(report));
    }
    return send(res, req, 404, json({ error: `no route ${path}` }));
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) send(res, req, 500, json({ error: errorMessage(err) }));
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_ADMIN_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  log.info({ url, db: options.dbPath }, 'admin server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 3000);
        await closed;
        clearTimeout(timer);
        store.close();
        log.info('admin server closed');
      })();
      return closing;
    },
  };
}

interface Body {
  type: string;
  body: string;
}

/** A %-decoded path segment, or undefined when its escapes are malformed (a 400, not a 500). */
function decodePart(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function json(value: unknown): Body {
  return { type: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

function send(res: ServerResponse, req: IncomingMessage, status: number, body: Body, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': body.type,
    'content-length': Buffer.byteLength(body.body),
    'x-content-type-options': 'nosniff',
    ...(body.type.startsWith('application/json') ? { 'cache-control': 'no-store' } : {}),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body.body);
}
