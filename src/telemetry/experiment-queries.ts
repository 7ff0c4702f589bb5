import type { ReadableStore } from './run-queries.ts';

/** One experiment in the dashboard's list (migration 6); the results JSON stays in the database. */
export interface ExperimentListRow {
  experiment_id: string;
  name: string;
  kind: 'sweep' | 'forecast';
  base_scenario: string;
  variants: number;
  seeds: number;
  runs: number;
  transport: string;
  workers: number;
  status: string;
  started_at: string;
  wall_ms: number | null;
  digest: string | null;
  report_dir: string | null;
  /** The first non-baseline variant's difference sentences, or the forecast line. */
  headline: string | null;
}

interface Row extends Omit<ExperimentListRow, 'headline'> {
  results_json: string | null;
}

export function listExperiments(db: ReadableStore, limit = 50): ExperimentListRow[] {
  // A database from before the experiments migration has no experiments.
  if (db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'experiments'").length === 0) return [];
  const rows = db.query<Row>(
    `SELECT e.experiment_id, e.name, e.kind, e.base_scenario, e.variants, e.seeds, e.transport, e.workers, e.status, e.started_at, e.wall_ms, e.digest, e.report_dir, e.results_json,
       (SELECT COUNT(*) FROM experiment_runs r WHERE r.experiment_id = e.experiment_id) AS runs
     FROM experiments e ORDER BY e.started_at DESC, e.experiment_id DESC LIMIT ?`,
    limit,
  );
  return rows.map(({ results_json, ...row }) => ({ ...row, headline: headline(results_json) }));
}

function headline(json: string | null): string | null {
  if (!json) return null;
  const r = JSON.parse(json) as {
    variants: Array<{
      baseline: boolean;
      label: string;
      metrics: Array<{ sentence?: string; difference?: { significant: boolean } }>;
      forecast: { endDays: { p50: number | null; range70: { low: number; high: number } | null } };
    }>;
  };
  const variant = r.variants.find((v) => !v.baseline);
  if (variant) {
    const claims = variant.metrics.filter((m) => m.difference?.significant && m.sentence).map((m) => m.sentence);
    return `${variant.label}: ${claims.length ? claims.slice(0, 2).join('; ') : 'no difference whose interval excludes zero'}`;
  }
  const f = r.variants[0]?.forecast.endDays;
  return f?.p50 != null && f.range70 ? `calendar end median ${f.p50.toFixed(1)} d, 70 % ${f.range70.low.toFixed(1)}–${f.range70.high.toFixed(1)} d` : null;
}
