/**
 * The admin's names and defaults, in a module with no imports so the CLI can
 * parse options without loading Redis, SQLite or the dashboard.
 */
export const HEALTH_GROUPS = ['redis', 'database', 'listeners', 'queues'] as const;
export type HealthGroup = (typeof HEALTH_GROUPS)[number];

export const DEFAULT_ADMIN_PORT = 8080;
export const DEFAULT_ADMIN_HOST = '127.0.0.1';
export const DEFAULT_QUEUE_PREFIX = 'asp';
/** Same as src/runtime/private-redis.ts (which loads the Redis driver). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** The static report's file name inside runs/<runId>/. */
export const REPORT_FILE = 'report.html';
