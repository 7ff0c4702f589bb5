import type { AspError } from '../errors.ts';
import { SqliteTelemetryStore } from './sqlite-store.ts';
import type { TelemetryStore } from './telemetry-store.ts';

export interface OpenStoreOptions {
  /** Open without writing (reports, dashboards); the database must exist. */
  readonly?: boolean;
  /** Apply pending migrations after opening (writers). */
  migrate?: boolean;
  busyTimeoutMs?: number;
  busyRetries?: number;
  /** A write failed for good (a lock held past the retries, a read-only file): the run stops resumably. */
  onWriteError?: (err: AspError) => void;
}

/**
 * The one place that opens the telemetry database: SQLite today (a later
 * store, Postgres say, is chosen here). Callers get the TelemetryStore
 * interface and close() it.
 */
export function openTelemetryStore(path: string, options: OpenStoreOptions = {}): TelemetryStore {
  const store = new SqliteTelemetryStore(path, {
    ...(options.readonly ? { readonly: true } : {}),
    ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
    ...(options.busyRetries !== undefined ? { busyRetries: options.busyRetries } : {}),
    ...(options.onWriteError ? { onWriteError: options.onWriteError } : {}),
  });
  if (options.migrate) {
    try {
      store.migrate();
    } catch (err) {
      store.close();
      throw err;
    }
  }
  return store;
}
