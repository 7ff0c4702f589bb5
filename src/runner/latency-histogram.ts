import { percentilePosition } from '../thresholds/percentile.ts';

/**
 * A fixed-size, HDR-like latency histogram: log-spaced buckets with a bounded
 * relative error, so memory stays flat however many values are recorded
 * (100,000 tasks cost the same ~20 KB as 100).
 *
 * Bucket i ≥ 1 covers [lowest·g^(i−1), lowest·g^i) with g = 1 + 2·precision; a
 * value is reported as the geometric middle of its bucket, so the relative
 * error of any percentile is at most `precision` (default 0.5 %). Values
 * below `lowest` (default 0.001 ms = 1 µs, zero included) share bucket 0;
 * values above `highest` are clamped into the last bucket. The exact min, max,
 * count and sum are kept beside the buckets.
 *
 * Percentiles follow the project's one definition (src/thresholds/percentile.ts,
 * linear interpolation between closest ranks) over the recorded values, each
 * value standing as its bucket's middle: p0 is the exact minimum, p100 the
 * exact maximum, and the relative error stays within `precision`.
 */
export interface HistogramOptions {
  lowest?: number;
  highest?: number;
  precision?: number;
}

export interface HistogramSummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export class LatencyHistogram {
  private readonly lowest: number;
  private readonly logGrowth: number;
  private readonly counts: Float64Array;
  private n = 0;
  private sum = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;

  constructor(options: HistogramOptions = {}) {
    this.lowest = options.lowest ?? 0.001;
    const highest = options.highest ?? 3_600_000 * 24;
    const precision = options.precision ?? 0.005;
    if (!(this.lowest > 0) || !(highest > this.lowest) || !(precision > 0 && precision < 0.5)) {
      throw new RangeError(`invalid histogram options: lowest ${this.lowest}, highest ${highest}, precision ${precision}`);
    }
    this.logGrowth = Math.log1p(2 * precision);
    this.counts = new Float64Array(Math.ceil(Math.log(highest / this.lowest) / this.logGrowth) + 2);
  }

  get count(): number {
    return this.n;
  }

  record(value: number, times = 1): void {
    if (!Number.isFinite(value) || times <= 0) return;
    const v = Math.max(0, value);
    this.counts[this.indexOf(v)]! += times;
    this.n += times;
    this.sum += v * times;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  /** Adds every value of another histogram with the same options. */
  merge(other: LatencyHistogram): void {
    if (other.counts.length !== this.counts.length || other.lowest !== this.lowest) throw new RangeError('cannot merge histograms with different options');
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.n += other.n;
    this.sum += other.sum;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
  }

  get min(): number {
    return this.n === 0 ? 0 : this.lo;
  }

  get max(): number {
    return this.n === 0 ? 0 : this.hi;
  }

  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }

  /** pN, 0 ≤ p ≤ 100, interpolated between closest ranks; 0 when empty. */
  percentile(p: number): number {
    if (this.n === 0) return 0;
    const { lo, hi, fraction } = percentilePosition(p, this.n);
    const a = this.valueAtRank(lo);
    if (fraction === 0 || hi === lo) return a;
    return a + (this.valueAtRank(hi) - a) * fraction;
  }

  /** The (k+1)-th smallest recorded value (0-based rank k), as its bucket's middle; the ends are exact. */
  private valueAtRank(k: number): number {
    if (k <= 0) return this.lo;
    if (k >= this.n - 1) return this.hi;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen > k) return this.clamp(this.valueOf(i));
    }
    return this.hi;
  }

  summary(): HistogramSummary {
    return {
      count: this.n,
      min: this.min,
      mean: this.mean,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: this.max,
    };
  }

  /** The distribution regrouped into at most `bins` log-spaced bins between min and max (for plots). */
  bins(bins = 40): Array<{ from: number; to: number; count: number }> {
    if (this.n === 0) return [];
    const from = Math.max(this.lo, this.lowest);
    const to = Math.max(this.hi, from * 1.0001);
    const step = Math.log(to / from) / bins;
    const out = Array.from({ length: bins }, (_, i) => ({ from: from * Math.exp(step * i), to: from * Math.exp(step * (i + 1)), count: 0 }));
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i]!;
      if (c === 0) continue;
      const v = this.clamp(this.valueOf(i));
      const k = Math.min(bins - 1, Math.max(0, Math.floor(Math.log(Math.max(v, from) / from) / step)));
      out[k]!.count += c;
    }
    return out;
  }

  private indexOf(v: number): number {
    if (v < this.lowest) return 0;
    return Math.min(this.counts.length - 1, 1 + Math.floor(Math.log(v / this.lowest) / this.logGrowth));
  }

  /** Geometric middle of bucket i (bucket 0 stands for "below lowest"). */
  private valueOf(i: number): number {
    if (i === 0) return this.lowest;
    return this.lowest * Math.exp((i - 0.5) * this.logGrowth);
  }

  private clamp(v: number): number {
    return Math.min(this.hi, Math.max(this.lo, v));
  }
}
