import { LatencyHistogram, type HistogramSummary } from './latency-histogram.ts';

/**
 * The pure math of a load test: no clock, no I/O. Every event carries its own
 * timestamp (epoch ms). Memory is bounded however many tasks run: latencies go
 * into fixed-size histograms (see latency-histogram.ts: percentiles within
 * 0.5 %), time series halve their resolution instead of
 * growing, and only tasks in flight are remembered.
 */

/** Events per second over `ms` milliseconds; 0 for an empty interval. */
export function ratePerSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** Counts events into time buckets; when `capacity` buckets are used, buckets double in width. */
export class CounterSeries {
  private counts: number[] = [];
  constructor(
    private readonly origin: number,
    private bucketMs = 1000,
    private readonly capacity = 240,
  ) {}

  add(at: number, n = 1): void {
    let i = Math.max(0, Math.floor((at - this.origin) / this.bucketMs));
    while (i >= this.capacity) {
      this.counts = Array.from({ length: Math.ceil(this.counts.length / 2) }, (_, k) => (this.counts[2 * k] ?? 0) + (this.counts[2 * k + 1] ?? 0));
      this.bucketMs *= 2;
      i = Math.floor(i / 2);
    }
    while (this.counts.length <= i) this.counts.push(0);
    this.counts[i]! += n;
  }

  /** Rate per second in each bucket; `t` is the bucket's end in seconds from the origin (the last bucket ends at `until`). */
  rates(until: number): Array<{ t: number; perS: number }> {
    return this.counts.map((c, i) => {
      const start = i * this.bucketMs;
      const end = Math.min((i + 1) * this.bucketMs, Math.max(start + 1, until - this.origin));
      return { t: end / 1000, perS: ratePerSecond(c, end - start) };
    });
  }
}

/**
 * Sampled gauges (queue depth, memory) in time buckets of equal width keeping
 * each bucket's peak; when `capacity` buckets are used, neighbours merge and
 * the width doubles, so the series stays bounded and evenly spaced.
 */
export class GaugeSeries<K extends string> {
  private buckets: Array<Record<K, number> | undefined> = [];
  constructor(
    private readonly origin: number,
    private bucketMs = 250,
    private readonly capacity = 400,
  ) {}

  add(at: number, values: Record<K, number>): void {
    let i = Math.max(0, Math.floor((at - this.origin) / this.bucketMs));
    while (i >= this.capacity) {
      this.buckets = Array.from({ length: Math.ceil(this.buckets.length / 2) }, (_, k) => peakOf(this.buckets[2 * k], this.buckets[2 * k + 1]));
      this.bucketMs *= 2;
      i = Math.floor(i / 2);
    }
    while (this.buckets.length <= i) this.buckets.push(undefined);
    this.buckets[i] = peakOf(this.buckets[i], values);
  }

  /** One point per sampled bucket; `t` is the bucket's end in seconds from the origin. */
  points(): Array<{ t: number; values: Record<K, number> }> {
    return this.buckets.flatMap((values, i) => (values ? [{ t: ((i + 1) * this.bucketMs) / 1000, values }] : []));
  }

  peak(key: K): number {
    return this.buckets.reduce((m, b) => Math.max(m, b?.[key] ?? 0), 0);
  }
}

function peakOf<K extends string>(a: Record<K, number> | undefined, b: Record<K, number> | undefined): Record<K, number> | undefined {
  if (!a || !b) return a ?? b;
  const out = { ...a };
  for (const key of Object.keys(b) as K[]) out[key] = Math.max(a[key] ?? 0, b[key]);
  return out;
}

export type TaskEnd = 'done' | 'round-limit' | 'rejected' | 'step-failed';

export interface JobTiming {
  attemptsMade: number;
  enqueuedAt: number;
  startedAt: number;
  finishedAt: number;
}

export interface ResourceSample {
  depth: Record<string, number>;
  redisBytes?: number;
  rssBytes: number;
  heapBytes: number;
}

type MemoryKey = 'rssMB' | 'heapMB' | 'redisMB';

export interface QueueLatency {
  jobs: number;
  /** startedAt − enqueuedAt: time a job waited in its persona queue. */
  wait: HistogramSummary;
  /** finishedAt − startedAt: time the listener spent on it. */
  processing: HistogramSummary;
  /** receivedAt − finishedAt: time until the runner had the result. */
  delivery: HistogramSummary;
}

export interface LoadMetricsReport {
  /** First task start → last task end (setup and teardown excluded). */
  activeMs: number;
  tasks: { started: number; finished: number; done: number; failed: number; byEnd: Record<TaskEnd, number> };
  jobs: { total: number; retries: number; retriedJobs: number };
  errors: { count: number; rate: number };
  throughput: { tasksPerS: number; jobsPerS: number; series: Array<{ t: number; tasksPerS: number; jobsPerS: number }> };
  latency: { e2e: HistogramSummary; e2eBins: Array<{ from: number; to: number; count: number }>; queues: Record<string, QueueLatency> };
  queues: { peakDepth: Record<string, number>; series: Array<{ t: number; values: Record<string, number> }> };
  memory: {
    redisBaselineBytes: number | null;
    redisPeakBytes: number | null;
    rssPeakBytes: number;
    heapPeakBytes: number;
    /** Runner RSS and heap (MB) over time: flat for a lean run of any size. */
    series: Array<{ t: number; values: Record<MemoryKey, number> }>;
  };
}

interface QueueHistograms {
  jobs: number;
  wait: LatencyHistogram;
  processing: LatencyHistogram;
  delivery: LatencyHistogram;
}

/** Accumulates a load run's events into bounded metrics. */
export class LoadMetrics {
  private readonly inFlight = new Map<string, number>();
  private readonly e2e = new LatencyHistogram();
  private readonly queues = new Map<string, QueueHistograms>();
  private readonly taskSeries: CounterSeries;
  private readonly jobSeries: CounterSeries;
  private readonly depth: GaugeSeries<string>;
  private readonly memory: GaugeSeries<MemoryKey>;
  private readonly byEnd: Record<TaskEnd, number> = { done: 0, 'round-limit': 0, rejected: 0, 'step-failed': 0 };
  private first: number | undefined;
  private last: number | undefined;
  private started = 0;
  private jobs = 0;
  private retries = 0;
  private retriedJobs = 0;
  private redisBaseline: number | null = null;
  private redisPeak: number | null = null;
  private rssPeak = 0;
  private heapPeak = 0;

  constructor(
    readonly origin: number,
    private readonly personas: readonly string[],
  ) {
    this.taskSeries = new CounterSeries(origin);
    this.jobSeries = new CounterSeries(origin);
    this.depth = new GaugeSeries(origin);
    this.memory = new GaugeSeries(origin);
  }

  taskStarted(taskId: string, at: number): void {
    if (this.inFlight.has(taskId)) return;
    this.inFlight.set(taskId, at);
    this.started++;
    this.first ??= at;
  }

  taskFinished(taskId: string, at: number, end: TaskEnd): void {
    const start = this.inFlight.get(taskId) ?? at;
    this.inFlight.delete(taskId);
    this.e2e.record(at - start);
    this.byEnd[end]++;
    this.taskSeries.add(at);
    this.last = Math.max(this.last ?? at, at);
  }

  jobResult(persona: string, timing: JobTiming, receivedAt: number): void {
    let q = this.queues.get(persona);
    if (!q) {
      q = { jobs: 0, wait: new LatencyHistogram(), processing: new LatencyHistogram(), delivery: new LatencyHistogram() };
      this.queues.set(persona, q);
    }
    q.jobs++;
    q.wait.record(timing.startedAt - timing.enqueuedAt);
    q.processing.record(timing.finishedAt - timing.startedAt);
    q.delivery.record(receivedAt - timing.finishedAt);
    this.jobs++;
    this.retries += timing.attemptsMade;
    if (timing.attemptsMade > 0) this.retriedJobs++;
    this.jobSeries.add(receivedAt);
  }

  sample(at: number, s: ResourceSample): void {
    const values: Record<string, number> = {};
    for (const p of this.personas) values[p] = s.depth[p] ?? 0;
    this.depth.add(at, values);
    if (s.redisBytes !== undefined) {
      this.redisBaseline ??= s.redisBytes;
      this.redisPeak = Math.max(this.redisPeak ?? 0, s.redisBytes);
    }
    const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
    this.memory.add(at, { rssMB: mb(s.rssBytes), heapMB: mb(s.heapBytes), redisMB: s.redisBytes === undefined ? 0 : mb(s.redisBytes) });
    this.rssPeak = Math.max(this.rssPeak, s.rssBytes);
    this.heapPeak = Math.max(this.heapPeak, s.heapBytes);
  }

  report(): LoadMetricsReport {
    const activeMs = this.first === undefined || this.last === undefined ? 0 : Math.max(0, this.last - this.first);
    const finished = Object.values(this.byEnd).reduce((a, b) => a + b, 0);
    const until = this.last ?? this.origin;
    const tasks = this.taskSeries.rates(until);
    const jobs = this.jobSeries.rates(until);
    const series = Array.from({ length: Math.max(tasks.length, jobs.length) }, (_, i) => ({
      t: tasks[i]?.t ?? jobs[i]?.t ?? 0,
      tasksPerS: tasks[i]?.perS ?? 0,
      jobsPerS: jobs[i]?.perS ?? 0,
    }));
    const errors = this.byEnd['step-failed'];
    return {
      activeMs,
      tasks: { started: this.started, finished, done: this.byEnd.done, failed: finished - this.byEnd.done, byEnd: { ...this.byEnd } },
      jobs: { total: this.jobs, retries: this.retries, retriedJobs: this.retriedJobs },
      errors: { count: errors, rate: finished > 0 ? errors / finished : 0 },
      throughput: { tasksPerS: ratePerSecond(finished, activeMs), jobsPerS: ratePerSecond(this.jobs, activeMs), series },
      latency: {
        e2e: this.e2e.summary(),
        e2eBins: this.e2e.bins(40),
        queues: Object.fromEntries([...this.queues].map(([p, q]) => [p, { jobs: q.jobs, wait: q.wait.summary(), processing: q.processing.summary(), delivery: q.delivery.summary() }])),
      },
      queues: { peakDepth: Object.fromEntries(this.personas.map((p) => [p, this.depth.peak(p)])), series: this.depth.points() },
      memory: { redisBaselineBytes: this.redisBaseline, redisPeakBytes: this.redisPeak, rssPeakBytes: this.rssPeak, heapPeakBytes: this.heapPeak, series: this.memory.points() },
    };
  }
}
