import { WORKER_PERSONAS } from '../personas.ts';
import { MetricCatalogue, type MetricInfo, type MetricRef } from '../thresholds/metric-catalogue.ts';
import type { MetricReader } from '../thresholds/threshold-evaluator.ts';
import type { UnitKind } from '../thresholds/metric-units.ts';
import type { HistogramSummary } from './latency-histogram.ts';
import type { LoadMetricsReport } from './load-metrics.ts';

/**
 * The metrics `asp load --threshold` accepts (the language: README.md,
 * "Thresholds"), each with its unit kind, and how a run's report reads them.
 * Latencies are trends kept as histogram summaries: `e2e.p95`, `e2e.p(99)`,
 * `wait.alex.avg` (or `.mean`), `e2e.med` (= p50), min, max, count.
 */
const LATENCY_AGGREGATES = ['count', 'min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max'] as const;

function build(): MetricInfo[] {
  const m: MetricInfo[] = [];
  const value = (name: string, kind: UnitKind, description: string) => m.push({ name, shape: 'value', kind, description });
  const latency = (name: string, description: string) => m.push({ name, shape: 'trend', kind: 'duration', description, aggregates: LATENCY_AGGREGATES });
  latency('e2e', 'task start → task end, wall clock');
  for (const p of WORKER_PERSONAS) {
    latency(`wait.${p}`, `time a ${p} job waited in its queue (startedAt − enqueuedAt)`);
    latency(`processing.${p}`, `time the ${p} listener spent on a job (finishedAt − startedAt)`);
    latency(`delivery.${p}`, `time until the runner had a ${p} result (received − finishedAt)`);
    value(`queue.${p}.peak_depth`, 'count', `most ${p} jobs waiting or active at one sample`);
    value(`jobs.${p}`, 'count', `${p} jobs completed`);
  }
  value('throughput.tasks_per_s', 'rate', 'tasks finished per second (first start → last end)');
  value('throughput.jobs_per_s', 'rate', 'step jobs completed per second');
  value('errors.count', 'count', 'tasks that failed because a step failed (after its retries) or timed out');
  value('errors.rate', 'ratio', 'errors.count / tasks.finished');
  value('retries.count', 'count', 'retried attempts over all jobs (sum of attemptsMade)');
  value('retries.rate', 'ratio', 'retries.count / jobs.total');
  value('tasks.finished', 'count', 'tasks that ended (done or failed)');
  value('tasks.done', 'count', 'tasks Jordan accepted');
  value('tasks.failed', 'count', 'tasks that failed for any reason (errors, round limit, rejection)');
  value('tasks.failed_rate', 'ratio', 'tasks.failed / tasks.finished');
  value('jobs.total', 'count', 'step jobs completed');
  value('run.active', 'duration', 'first task start → last task end');
  value('memory.rss_peak', 'bytes', 'peak resident memory of the runner process');
  value('memory.heap_peak', 'bytes', 'peak V8 heap used by the runner process');
  value('memory.redis_peak', 'bytes', 'peak Redis used_memory during the run (whole server)');
  value('db.rows', 'count', 'telemetry rows the run wrote');
  return m;
}

export const loadMetricCatalogue = new MetricCatalogue(build(), '`asp load --list-metrics` lists the metrics');

/** A latency summary's aggregate; null when the histogram is empty (count: 0). */
function fromSummary(s: HistogramSummary | undefined, ref: MetricRef): number | null {
  const agg = ref.aggregate;
  if (!agg) return null;
  if (agg.kind === 'count') return s?.count ?? 0;
  if (!s || s.count === 0) return null;
  switch (agg.kind) {
    case 'avg':
      return s.mean;
    case 'min':
      return s.min;
    case 'max':
      return s.max;
    case 'sum':
      return s.mean * s.count;
    case 'p': {
      const key = `p${agg.percentile}`;
      return key === 'p50' || key === 'p90' || key === 'p95' || key === 'p99' ? s[key] : null;
    }
  }
}

/** How thresholds read a load run's report (values in base units: ms, 0..1, /s, count, bytes). */
export function loadMetricReader(metrics: LoadMetricsReport, dbRows: number | null): MetricReader {
  const finished = metrics.tasks.finished;
  const values: Record<string, number | null> = {
    'throughput.tasks_per_s': metrics.throughput.tasksPerS,
    'throughput.jobs_per_s': metrics.throughput.jobsPerS,
    'errors.count': metrics.errors.count,
    'errors.rate': finished > 0 ? metrics.errors.rate : null,
    'retries.count': metrics.jobs.retries,
    'retries.rate': metrics.jobs.total > 0 ? metrics.jobs.retries / metrics.jobs.total : null,
    'tasks.finished': finished,
    'tasks.done': metrics.tasks.done,
    'tasks.failed': metrics.tasks.failed,
    'tasks.failed_rate': finished > 0 ? metrics.tasks.failed / finished : null,
    'jobs.total': metrics.jobs.total,
    'run.active': metrics.activeMs,
    'memory.rss_peak': metrics.memory.rssPeakBytes,
    'memory.heap_peak': metrics.memory.heapPeakBytes,
    'memory.redis_peak': metrics.memory.redisPeakBytes,
    'db.rows': dbRows,
  };
  const latencies: Record<string, HistogramSummary | undefined> = { e2e: metrics.latency.e2e };
  for (const p of WORKER_PERSONAS) {
    const q = metrics.latency.queues[p];
    latencies[`wait.${p}`] = q?.wait;
    latencies[`processing.${p}`] = q?.processing;
    latencies[`delivery.${p}`] = q?.delivery;
    values[`queue.${p}.peak_depth`] = metrics.queues.peakDepth[p] ?? null;
    values[`jobs.${p}`] = q?.jobs ?? 0;
  }
  return (ref) => (ref.aggregate ? fromSummary(latencies[ref.metric], ref) : (values[ref.metric] ?? null));
}
