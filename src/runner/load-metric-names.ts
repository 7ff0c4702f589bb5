import { WORKER_PERSONAS } from '../personas.ts';
import type { HistogramSummary } from './latency-histogram.ts';
import type { LoadMetricsReport } from './load-metrics.ts';
import type { MetricCatalogue, MetricKind } from './load-thresholds.ts';

/**
 * The names `asp load --threshold` accepts, each with its kind (which fixes
 * its units), and the flat values of a run under those names.
 */
const AGGREGATES = ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'] as const;

function build(): Map<string, { kind: MetricKind; description: string }> {
  const m = new Map<string, { kind: MetricKind; description: string }>();
  const add = (name: string, kind: MetricKind, description: string) => m.set(name, { kind, description });
  for (const a of AGGREGATES) add(`e2e.${a}`, 'duration', 'task start → task end, wall clock');
  for (const p of WORKER_PERSONAS) {
    for (const a of AGGREGATES) {
      add(`wait.${p}.${a}`, 'duration', `time a ${p} job waited in its queue (startedAt − enqueuedAt)`);
      add(`processing.${p}.${a}`, 'duration', `time the ${p} listener spent on a job (finishedAt − startedAt)`);
      add(`delivery.${p}.${a}`, 'duration', `time until the runner had a ${p} result (received − finishedAt)`);
    }
    add(`queue.${p}.peak_depth`, 'count', `most ${p} jobs waiting or active at one sample`);
    add(`jobs.${p}`, 'count', `${p} jobs completed`);
  }
  add('throughput.tasks_per_s', 'rate', 'tasks finished per second (first start → last end)');
  add('throughput.jobs_per_s', 'rate', 'step jobs completed per second');
  add('errors.count', 'count', 'tasks that failed because a step failed (after its retries) or timed out');
  add('errors.rate', 'ratio', 'errors.count / tasks.finished');
  add('retries.count', 'count', 'retried attempts over all jobs (sum of attemptsMade)');
  add('retries.rate', 'ratio', 'retries.count / jobs.total');
  add('tasks.finished', 'count', 'tasks that ended (done or failed)');
  add('tasks.done', 'count', 'tasks Jordan accepted');
  add('tasks.failed', 'count', 'tasks that failed for any reason (errors, round limit, rejection)');
  add('tasks.failed_rate', 'ratio', 'tasks.failed / tasks.finished');
  add('jobs.total', 'count', 'step jobs completed');
  add('run.active', 'duration', 'first task start → last task end');
  add('memory.rss_peak', 'bytes', "peak resident memory of the runner process");
  add('memory.heap_peak', 'bytes', 'peak V8 heap used by the runner process');
  add('memory.redis_peak', 'bytes', 'peak Redis used_memory during the run (whole server)');
  add('db.rows', 'count', 'telemetry rows the run wrote');
  return m;
}

const CATALOGUE = build();

export const loadMetricCatalogue: MetricCatalogue = {
  kindOf: (metric) => CATALOGUE.get(metric)?.kind,
  names: () => [...CATALOGUE.keys()],
};

export function loadMetricDescriptions(): Array<{ name: string; kind: MetricKind; description: string }> {
  return [...CATALOGUE].map(([name, d]) => ({ name, ...d }));
}

/** The run's value of every catalogued metric, in base units (ms, 0..1, /s, count, bytes). */
export function loadMetricValues(metrics: LoadMetricsReport, dbRows: number | null): Record<string, number | null> {
  const v: Record<string, number | null> = {};
  const put = (prefix: string, s: HistogramSummary | undefined) => {
    for (const a of AGGREGATES) v[`${prefix}.${a}`] = s && s.count > 0 ? s[a] : null;
  };
  put('e2e', metrics.latency.e2e);
  for (const p of WORKER_PERSONAS) {
    const q = metrics.latency.queues[p];
    put(`wait.${p}`, q?.wait);
    put(`processing.${p}`, q?.processing);
    put(`delivery.${p}`, q?.delivery);
    v[`queue.${p}.peak_depth`] = metrics.queues.peakDepth[p] ?? null;
    v[`jobs.${p}`] = q?.jobs ?? 0;
  }
  const finished = metrics.tasks.finished;
  v['throughput.tasks_per_s'] = metrics.throughput.tasksPerS;
  v['throughput.jobs_per_s'] = metrics.throughput.jobsPerS;
  v['errors.count'] = metrics.errors.count;
  v['errors.rate'] = finished > 0 ? metrics.errors.rate : null;
  v['retries.count'] = metrics.jobs.retries;
  v['retries.rate'] = metrics.jobs.total > 0 ? metrics.jobs.retries / metrics.jobs.total : null;
  v['tasks.finished'] = finished;
  v['tasks.done'] = metrics.tasks.done;
  v['tasks.failed'] = metrics.tasks.failed;
  v['tasks.failed_rate'] = finished > 0 ? metrics.tasks.failed / finished : null;
  v['jobs.total'] = metrics.jobs.total;
  v['run.active'] = metrics.activeMs;
  v['memory.rss_peak'] = metrics.memory.rssPeakBytes;
  v['memory.heap_peak'] = metrics.memory.heapPeakBytes;
  v['memory.redis_peak'] = metrics.memory.redisPeakBytes;
  v['db.rows'] = dbRows;
  return v;
}
