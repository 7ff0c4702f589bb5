import { describe, expect, it } from 'vitest';
import { isAspError } from '../../src/errors.ts';
import { LatencyHistogram } from '../../src/runner/latency-histogram.ts';
import { loadMetricCatalogue, loadMetricReader } from '../../src/runner/load-metric-names.ts';
import { CounterSeries, GaugeSeries, LoadMetrics, ratePerSecond } from '../../src/runner/load-metrics.ts';
import { refName } from '../../src/thresholds/metric-catalogue.ts';
import { percentileOf } from '../../src/thresholds/percentile.ts';
import { evaluateThresholds } from '../../src/thresholds/threshold-evaluator.ts';
import { parseThreshold as parse, placeThresholdError } from '../../src/thresholds/threshold-parser.ts';

const parseThreshold = (text: string) => parse(text, loadMetricCatalogue);

/** A small seeded PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('LatencyHistogram percentiles: the one definition (linear interpolation between ranks)', () => {
  it('gives the interpolated percentiles of small known inputs (within bucket precision; the ends exact)', () => {
    const h = new LatencyHistogram();
    for (const v of [50, 15, 40, 20, 35]) h.record(v);
    // sorted 15 20 35 40 50: p50 = 35; p90 at 3.6 → 40 + 0.6 × 10 = 46; p25 at 1 → 20; p10 at 0.4 → 15 + 0.4 × 5 = 17
    const expected: Array<[number, number]> = [
      [0, 15],
      [10, 17],
      [25, 20],
      [50, 35],
      [90, 46],
      [100, 50],
    ];
    for (const [p, v] of expected) {
      expect(percentileOf([15, 20, 35, 40, 50], p)).toBeCloseTo(v, 10);
      expect(Math.abs(h.percentile(p) - v), `p${p}: ${h.percentile(p)}`).toBeLessThanOrEqual(v * 0.005);
    }
    expect(h.percentile(0)).toBe(15);
    expect(h.percentile(100)).toBe(50);
    const two = new LatencyHistogram();
    two.record(100);
    two.record(200);
    expect(two.percentile(50)).toBeCloseTo(150, 0);
  });
});

describe('LatencyHistogram', () => {
  const distributions: Record<string, (r: () => number) => number> = {
    lognormal: (r) => Math.exp(4 + 1.2 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
    uniform: (r) => r() * 5000,
    'with zeros and sub-µs': (r) => (r() < 0.2 ? 0 : r() < 0.3 ? r() * 0.0005 : r() * 200),
    heavy: (r) => 1 / (1 - r() * 0.9999),
  };
  for (const [name, draw] of Object.entries(distributions)) {
    it(`matches an exact sort within 0.5 % on ${name} data`, () => {
      const random = prng(name.length * 7919);
      const h = new LatencyHistogram();
      const values: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const v = draw(random);
        values.push(v);
        h.record(v);
      }
      for (const p of [1, 50, 90, 95, 99, 99.9, 100]) {
        const exact = percentileOf(values, p)!;
        expect(Math.abs(h.percentile(p) - exact), `p${p}: ${h.percentile(p)} vs ${exact}`).toBeLessThanOrEqual(exact * 0.005 + 0.001);
      }
      expect(h.count).toBe(values.length);
      expect(h.max).toBe(Math.max(...values));
      expect(h.min).toBe(Math.min(...values));
      expect(h.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
      expect(h.bins(40).reduce((s, b) => s + b.count, 0)).toBe(values.length);
    });
  }

  it('is empty-safe, merges, and ignores non-finite values', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 });
    expect(h.bins()).toEqual([]);
    h.record(Number.NaN);
    h.record(Number.POSITIVE_INFINITY);
    expect(h.count).toBe(0);
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) (i % 2 ? a : b).record(i);
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.percentile(50)).toBeCloseTo(50.5, 0); // halfway between 50 and 51
    expect(a.max).toBe(100);
    expect(() => a.merge(new LatencyHistogram({ precision: 0.01 }))).toThrow(RangeError);
  });

  it('keeps the same memory whatever the count (fixed buckets)', () => {
    const h = new LatencyHistogram();
    const before = (h as unknown as { counts: Float64Array }).counts.length;
    for (let i = 0; i < 100_000; i++) h.record(i % 7000);
    expect((h as unknown as { counts: Float64Array }).counts.length).toBe(before);
    expect(before).toBeLessThan(3000);
  });
});

describe('rates and bounded series', () => {
  it('computes events per second', () => {
    expect(ratePerSecond(500, 2000)).toBe(250);
    expect(ratePerSecond(5, 0)).toBe(0);
  });

  it('CounterSeries doubles its buckets instead of growing, conserving counts', () => {
    const s = new CounterSeries(0, 1000, 100);
    for (let t = 0; t < 1_000_000; t += 100) s.add(t);
    const points = s.rates(1_000_000);
    expect(points.length).toBeLessThanOrEqual(100);
    const total = points.reduce((sum, p, i) => sum + p.perS * (p.t - (i > 0 ? points[i - 1]!.t : 0)), 0);
    expect(total).toBeCloseTo(10_000, 6);
    expect(points[0]!.perS).toBeCloseTo(10, 6);
  });

  it('GaugeSeries stays under capacity, evenly spaced, and keeps the peak', () => {
    const g = new GaugeSeries<'q'>(0, 250, 50);
    for (let i = 0; i < 10_000; i++) g.add(i * 250, { q: i === 4321 ? 999 : i % 10 });
    const points = g.points();
    expect(points.length).toBeLessThanOrEqual(50);
    expect(points.length).toBeGreaterThan(25);
    const gaps = new Set(points.slice(1).map((p, i) => p.t - points[i]!.t));
    expect(gaps).toEqual(new Set([64]));
    expect(g.peak('q')).toBe(999);
    expect(points.filter((p) => p.values.q === 999)).toHaveLength(1);
  });
});

describe('LoadMetrics', () => {
  it('turns task and job events into throughput, latency, errors and retries', () => {
    const m = new LoadMetrics(0, ['jordan', 'alex']);
    for (let i = 0; i < 10; i++) {
      m.taskStarted(`t${i}`, i * 100);
      m.taskStarted(`t${i}`, i * 100 + 50); // a second dispatch of the same task does not restart it
      m.jobResult('jordan', { attemptsMade: i === 3 ? 2 : 0, enqueuedAt: i * 100, startedAt: i * 100 + 10, finishedAt: i * 100 + 30 }, i * 100 + 35);
      m.jobResult('alex', { attemptsMade: 0, enqueuedAt: i * 100 + 35, startedAt: i * 100 + 40, finishedAt: i * 100 + 90 }, i * 100 + 95);
      m.taskFinished(`t${i}`, i * 100 + 100, i === 9 ? 'step-failed' : i === 8 ? 'round-limit' : 'done');
    }
    m.sample(500, { depth: { jordan: 3, alex: 7 }, redisBytes: 2e6, rssBytes: 1e8, heapBytes: 5e7 });
    m.sample(750, { depth: { jordan: 1 }, redisBytes: 3e6, rssBytes: 9e7, heapBytes: 6e7 });
    const r = m.report();
    expect(r.activeMs).toBe(1000);
    expect(r.tasks).toMatchObject({ started: 10, finished: 10, done: 8, failed: 2 });
    expect(r.errors).toEqual({ count: 1, rate: 0.1 });
    expect(r.jobs).toEqual({ total: 20, retries: 2, retriedJobs: 1 });
    expect(r.throughput.tasksPerS).toBe(10);
    expect(r.throughput.jobsPerS).toBe(20);
    expect(r.latency.e2e.p50).toBeCloseTo(100, 0);
    expect(r.latency.queues.jordan!.wait.p95).toBeCloseTo(10, 1);
    expect(r.latency.queues.alex!.processing.max).toBe(50);
    expect(r.latency.queues.alex!.delivery.p50).toBeCloseTo(5, 1);
    expect(r.queues.peakDepth).toEqual({ jordan: 3, alex: 7 });
    expect(r.memory).toMatchObject({ redisBaselineBytes: 2e6, redisPeakBytes: 3e6, rssPeakBytes: 1e8, heapPeakBytes: 6e7 });
    expect(r.memory.series.map((p) => p.values.rssMB)).toEqual([95.4, 85.8]);

    const read = loadMetricReader(r, 123);
    for (const name of loadMetricCatalogue.names()) expect(() => parseThreshold(`${name} >= 0`), name).not.toThrow();
    expect(read(parseThreshold('errors.rate < 1'))).toBe(0.1);
    expect(read(parseThreshold('db.rows > 0'))).toBe(123);
    expect(read(parseThreshold('e2e.p50 < 1s'))).toBe(r.latency.e2e.p50);
    expect(read(parseThreshold('e2e.avg < 1s'))).toBe(r.latency.e2e.mean);
    expect(read(parseThreshold('e2e.count > 0'))).toBe(r.latency.e2e.count);
    expect(read(parseThreshold('wait.sarah.p95 < 1s'))).toBeNull();
    expect(read(parseThreshold('wait.sarah.count == 0'))).toBe(0);
  });
});

describe('load thresholds', () => {
  it('parses metrics, comparators and units into base units', () => {
    expect(parseThreshold('e2e.p95<2s')).toMatchObject({ metric: 'e2e', name: 'e2e.p95', aggregate: { kind: 'p', percentile: 95 }, unit: { kind: 'duration' }, comparator: '<', value: 2000 });
    expect(parseThreshold(' wait.alex.p(99) <= 250ms ')).toMatchObject({ name: 'wait.alex.p99', comparator: '<=', value: 250 });
    expect(parseThreshold('e2e.avg < 1.5')).toMatchObject({ name: 'e2e.avg', value: 1.5 });
    expect(parseThreshold('e2e.mean < 1.5')).toMatchObject({ name: 'e2e.avg', value: 1.5 });
    expect(parseThreshold('e2e.med < 1m')).toMatchObject({ name: 'e2e.p50', value: 60_000 });
    expect(parseThreshold('errors.rate<1%').value).toBeCloseTo(0.01, 12);
    expect(parseThreshold('errors.rate<0.01').value).toBe(0.01);
    expect(parseThreshold('throughput.tasks_per_s>50')).toMatchObject({ unit: { kind: 'rate' }, comparator: '>', value: 50 });
    expect(parseThreshold('throughput.tasks_per_s>50/s').value).toBe(50);
    expect(parseThreshold('memory.rss_peak<512MB').value).toBe(512 * 1024 * 1024);
    expect(parseThreshold('memory.rss_peak<1gib').value).toBe(1024 ** 3);
    expect(parseThreshold('errors.count==0')).toMatchObject({ comparator: '==', value: 0 });
  });

  const bad: Array<[string, RegExp, number]> = [
    ['e2e.p95', /expected a comparator/, 8],
    ['e2e.p95 < fast', /expected a number/, 11],
    ['latency.p95<2s', /unknown metric "latency.p95"/, 1],
    ['e2e.p97<2s', /e2e keeps only count, min, avg, p50, p90, p95, p99, max; "p97" is not one of them/, 5],
    ['e2e<2s', /"e2e" has many samples .*; add an aggregate: count, min, avg/, 1],
    ['e2e.p95<2kg', /"kg" is not a unit of e2e.p95 \(a duration: us, µs, ms, s, m, min, h; a bare number is in ms\)/, 10],
    ['errors.count<1s', /not a unit of errors.count \(a count, which takes no unit\)/, 15],
    ['errors.rate<1% && e2e.p95<2s', /unexpected "% && e2e.p95<2s" after the number; one threshold is one comparison/, 14],
    ['', /expected a metric name, found the end/, 1],
    ['<5', /expected a metric name/, 1],
  ];
  for (const [source, message, column] of bad) {
    it(`rejects "${source}" with exit code 2 and the column`, () => {
      try {
        parseThreshold(source);
        expect.unreachable('should throw');
      } catch (err) {
        expect(isAspError(err)).toBe(true);
        if (!isAspError(err)) return;
        expect(err.exitCode).toBe(2);
        expect(err.message).toMatch(message);
        expect(err.details?.column).toBe(column);
        expect(err.hint).toContain('asp load --list-metrics');
        expect(err.hint).toContain('README.md ("Thresholds")');
      }
    });
  }

  it('names the flag a bad threshold came from', () => {
    try {
      parseThreshold('e2e.p95 < 2 parsecs');
      expect.unreachable('should throw');
    } catch (err) {
      if (!isAspError(err)) throw err;
      const placed = placeThresholdError(err, 'asp load --threshold (the 2nd)');
      expect(placed.message.split('\n')).toEqual([
        'asp load --threshold (the 2nd): invalid threshold "e2e.p95 < 2 parsecs": "parsecs" is not a unit of e2e.p95 (a duration: us, µs, ms, s, m, min, h; a bare number is in ms) (column 13)',
        '    e2e.p95 < 2 parsecs',
        '                ^',
      ]);
      expect(placed.exitCode).toBe(2);
    }
  });

  it('evaluates thresholds: met, not met, and no data fails', () => {
    const thresholds = ['e2e.p95<2s', 'errors.rate<=0.01', 'throughput.tasks_per_s>50', 'wait.sarah.p99<1s', 'errors.count!=3'].map(parseThreshold);
    const values: Record<string, number | null> = { 'e2e.p95': 1999, 'errors.rate': 0.01, 'throughput.tasks_per_s': 50, 'wait.sarah.p99': null, 'errors.count': 0 };
    const outcomes = evaluateThresholds(thresholds, (ref) => values[refName(ref)] ?? null);
    expect(outcomes.map((o) => o.pass)).toEqual([true, true, false, false, true]);
    expect(outcomes[3]!.actual).toBeNull();
  });
});
