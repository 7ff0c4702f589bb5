import { percentile } from '../thresholds/percentile.ts';
import { round, type ReadableStore } from './run-queries.ts';

/**
 * Queue throughput from the step results' wall-clock timings: jobs per
 * second per persona, queue wait / processing / end-to-end latency
 * percentiles, and completions over time (for the throughput plot).
 */
export interface LatencyStats {
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export interface PersonaThroughput {
  persona: string;
  jobs: number;
  jobsPerSecond: number | null;
  queueWaitMs: LatencyStats;
  processingMs: LatencyStats;
  latencyMs: LatencyStats;
}

export interface QueueThroughput {
  /** Wall-clock span from the first to the last recorded result. */
  spanMs: number;
  jobs: number;
  jobsPerSecond: number | null;
  personas: PersonaThroughput[];
  /** Completions per bucket of `bucketMs`, per persona, from `startedAt`. */
  timeline: { startedAt: string | null; bucketMs: number; buckets: number; series: Array<{ persona: string; jobsPerSecond: number[] }> };
}

export function queueThroughput(db: ReadableStore, runId: string, maxBuckets = 40): QueueThroughput {
  const rows = db.query<{ persona: string; queue_wait_ms: number; processing_ms: number; latency_ms: number; recorded_at: string }>(
    'SELECT persona, queue_wait_ms, processing_ms, latency_ms, recorded_at FROM step_results WHERE run_id = ?',
    runId,
  );
  const times = rows.map((r) => Date.parse(r.recorded_at));
  const first = times.reduce((m, t) => Math.min(m, t), times[0] ?? 0);
  const last = times.reduce((m, t) => Math.max(m, t), times[0] ?? 0);
  const spanMs = last - first;
  const byPersona = new Map<string, typeof rows>();
  for (const r of rows) {
    const list = byPersona.get(r.persona) ?? [];
    list.push(r);
    byPersona.set(r.persona, list);
  }
  const personas = [...byPersona].sort(([a], [b]) => a.localeCompare(b));
  const bucketMs = niceBucket(spanMs, maxBuckets);
  const buckets = Math.max(1, Math.floor(spanMs / bucketMs) + 1);
  const series = personas.map(([persona]) => ({ persona, jobsPerSecond: new Array<number>(buckets).fill(0) }));
  rows.forEach((r, i) => {
    const s = series.find((x) => x.persona === r.persona);
    const b = Math.min(buckets - 1, Math.floor(((times[i] ?? first) - first) / bucketMs));
    if (s) s.jobsPerSecond[b] = (s.jobsPerSecond[b] ?? 0) + 1000 / bucketMs;
  });
  for (const s of series) s.jobsPerSecond = s.jobsPerSecond.map((v) => round(v, 2));
  return {
    spanMs,
    jobs: rows.length,
    jobsPerSecond: perSecond(rows.length, spanMs),
    personas: personas.map(([persona, list]) => ({
      persona,
      jobs: list.length,
      jobsPerSecond: perSecond(list.length, spanMs),
      queueWaitMs: stats(list.map((r) => r.queue_wait_ms)),
      processingMs: stats(list.map((r) => r.processing_ms)),
      latencyMs: stats(list.map((r) => r.latency_ms)),
    })),
    timeline: { startedAt: rows.length > 0 ? new Date(first).toISOString() : null, bucketMs, buckets, series },
  };
}

function perSecond(jobs: number, spanMs: number): number | null {
  return spanMs > 0 ? round((jobs * 1000) / spanMs, 2) : null;
}

/** A bucket width of 1, 2 or 5 × 10^k ms giving at most `maxBuckets` buckets. */
export function niceBucket(spanMs: number, maxBuckets: number): number {
  const raw = Math.max(1, spanMs / Math.max(1, maxBuckets - 1));
  const exp = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * exp >= raw) return m * exp;
  return 10 * exp;
}

export function stats(values: readonly number[]): LatencyStats {
  if (values.length === 0) return { mean: 0, p50: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => round(percentile(sorted, p) ?? 0);
  return { mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length), p50: q(50), p95: q(95), max: sorted[sorted.length - 1] ?? 0 };
}
