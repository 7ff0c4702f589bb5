import { existsSync } from 'node:fs';
import { errorMessage } from '../errors.ts';
import { redactUrl } from '../logger.ts';
import { WORKER_PERSONAS, type PersonaName } from '../personas.ts';
import { probeRedis, queueJobCounts, redisAuthFailed } from '../queue/bullmq-driver.ts';
import { liveListeners, type ListenerBeat } from '../queue/listener-registry.ts';
import { LATEST_SCHEMA_VERSION } from '../telemetry/migrations.ts';
import { openTelemetryStore } from '../telemetry/open-store.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import { HEALTH_GROUPS, type HealthGroup } from './admin-defaults.ts';

/**
 * What the admin checks: Redis answers, the telemetry database is writable
 * and at the latest migration, and for each persona a listener beats and its
 * queue is not piling up failed jobs. `down` makes `asp admin health` exit
 * non-zero; `warn` is shown but does not.
 */
export type HealthStatus = 'ok' | 'warn' | 'down';
export { HEALTH_GROUPS, type HealthGroup } from './admin-defaults.ts';

export interface HealthCheck {
  group: HealthGroup;
  name: string;
  status: HealthStatus;
  detail: string;
  data?: Record<string, unknown>;
}

export interface HealthReport {
  ok: boolean;
  checkedAt: string;
  checks: HealthCheck[];
}

export interface HealthOptions {
  dbPath: string;
  redisUrl: string;
  /** BullMQ prefix of the persona queues and heartbeats. */
  prefix: string;
  personas?: readonly PersonaName[];
  /** Which groups to check (default all). */
  groups?: readonly HealthGroup[];
  /** A queue with more waiting jobs than this is `warn` (default 1000). */
  maxDepth?: number;
  timeoutMs?: number;
}

export async function checkHealth(options: HealthOptions): Promise<HealthReport> {
  const groups = new Set(options.groups ?? HEALTH_GROUPS);
  const personas = options.personas ?? WORKER_PERSONAS;
  const checks: HealthCheck[] = [];
  let redisUp = false;
  if (groups.has('redis') || groups.has('listeners') || groups.has('queues')) {
    const probe = await probeRedis(options.redisUrl, options.timeoutMs ?? 1500);
    redisUp = probe.ok;
    if (groups.has('redis')) {
      const at = redactUrl(options.redisUrl);
      checks.push({
        group: 'redis',
        name: 'redis',
        status: redisUp ? 'ok' : 'down',
        detail: probe.ok ? `answers at ${at}` : probe.reason === 'auth' ? `authentication failed at ${at}: ${redisAuthFailed(options.redisUrl, probe.message).describe()}` : `no answer at ${at}`,
      });
    }
  }
  if (groups.has('database')) checks.push(checkDatabase(options.dbPath));
  if (groups.has('listeners')) checks.push(...(await checkListeners(options, personas, redisUp)));
  if (groups.has('queues')) checks.push(...(await checkQueues(options, personas, redisUp)));
  return { ok: checks.every((c) => c.status !== 'down'), checkedAt: new Date().toISOString(), checks };
}

export function checkDatabase(dbPath: string): HealthCheck {
  const base = { group: 'database' as const, name: 'database' };
  if (!existsSync(dbPath)) {
    return { ...base, status: 'down', detail: `${dbPath} does not exist (run \`asp admin migrate\`)`, data: { path: dbPath } };
  }
  let store: TelemetryStore | undefined;
  try {
    store = openTelemetryStore(dbPath);
    const version = store.schemaVersion();
    const data = { path: dbPath, version, latest: LATEST_SCHEMA_VERSION };
    if (!store.writable()) return { ...base, status: 'down', detail: `${dbPath} is not writable (read-only or locked)`, data };
    if (version < LATEST_SCHEMA_VERSION) {
      return { ...base, status: 'down', detail: `schema v${version}, latest is v${LATEST_SCHEMA_VERSION} (run \`asp admin migrate\`)`, data };
    }
    if (version > LATEST_SCHEMA_VERSION) {
      return { ...base, status: 'down', detail: `schema v${version} is newer than this engine (v${LATEST_SCHEMA_VERSION})`, data };
    }
    return { ...base, status: 'ok', detail: `writable, schema v${version} (latest)`, data };
  } catch (err) {
    return { ...base, status: 'down', detail: errorMessage(err), data: { path: dbPath } };
  } finally {
    store?.close();
  }
}

async function checkListeners(options: HealthOptions, personas: readonly PersonaName[], redisUp: boolean): Promise<HealthCheck[]> {
  let beats: ListenerBeat[] = [];
  let failure: string | undefined = redisUp ? undefined : 'unknown: Redis does not answer';
  if (redisUp) {
    try {
      beats = await liveListeners(options.redisUrl, options.prefix);
    } catch (err) {
      failure = `cannot read heartbeats: ${errorMessage(err)}`;
    }
  }
  return personas.map((persona) => {
    const mine = beats.filter((b) => b.persona === persona);
    const base = { group: 'listeners' as const, name: `listener ${persona}` };
    if (failure) return { ...base, status: 'down' as const, detail: failure };
    if (mine.length === 0) return { ...base, status: 'down' as const, detail: `no heartbeat under prefix "${options.prefix}"`, data: { listeners: 0 } };
    const jobsDone = mine.reduce((s, b) => s + b.jobsDone, 0);
    const now = Date.now();
    const last = mine.flatMap((b) => (b.lastStep ? [b.lastStep] : [])).sort((a, b) => b.at - a.at)[0];
    return {
      ...base,
      status: 'ok' as const,
      detail:
        `${mine.length} alive (${mine.map((b) => b.listenerId).join(', ')}), ${jobsDone} jobs done` +
        (last ? `, last step ${last.step} r${last.round} of ${last.taskId} (${last.runId}) ${Math.round((now - last.at) / 1000)} s ago` : ', no step yet'),
      data: {
        listeners: mine.length,
        jobsDone,
        ids: mine.map((b) => b.listenerId),
        // Per listener: heartbeat age, host, jobs and last step (the dashboard's listener table).
        beats: mine.map((b) => ({
          id: b.listenerId,
          host: b.host,
          userId: b.userId,
          jobsDone: b.jobsDone,
          startedAt: b.startedAt,
          beatAgeMs: b.beatAt ? Math.max(0, now - b.beatAt) : null,
          lastStep: b.lastStep ?? null,
        })),
      },
    };
  });
}

async function checkQueues(options: HealthOptions, personas: readonly PersonaName[], redisUp: boolean): Promise<HealthCheck[]> {
  const maxDepth = options.maxDepth ?? 1000;
  return Promise.all(
    personas.map(async (persona): Promise<HealthCheck> => {
      const base = { group: 'queues' as const, name: `queue ${persona}` };
      if (!redisUp) return { ...base, status: 'down', detail: 'unknown: Redis does not answer' };
      try {
        const counts = await queueJobCounts(options.redisUrl, options.prefix, persona, options.timeoutMs ?? 3000);
        const depth = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
        const active = counts.active ?? 0;
        const failed = counts.failed ?? 0;
        const data = { depth, active, failed, completed: counts.completed ?? 0 };
        const detail = `depth ${depth}, active ${active}, failed ${failed}`;
        if (failed > 0 || depth > maxDepth) return { ...base, status: 'warn', detail: `${detail}${depth > maxDepth ? ` (above ${maxDepth})` : ''}`, data };
        return { ...base, status: 'ok', detail, data };
      } catch (err) {
        return { ...base, status: 'down', detail: `cannot read the queue: ${errorMessage(err)}` };
      }
    }),
  );
}
