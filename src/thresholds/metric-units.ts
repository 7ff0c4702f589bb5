/**
 * What a threshold's number may be written in, by the kind of its metric.
 * Each metric's values are in one base unit of its kind (ms for load
 * latencies, simulated minutes or hours for run metrics…); a bound written
 * in another unit of the same kind is converted to it, a bare number is
 * already in it.
 *
 *   duration  us µs ms s m min h        ratio  % (else a fraction, 0..1)
 *   rate      /s (optional)             bytes  B KB MB GB, KiB MiB GiB (1024-based, any case)
 *   count, number: no unit
 */
export type UnitKind = 'duration' | 'ratio' | 'rate' | 'count' | 'bytes' | 'number';

/** Each unit's size in a small unit of its kind (ms, %, per second, bytes). */
const UNITS: Record<UnitKind, Record<string, number>> = {
  duration: { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 },
  ratio: { '%': 1 },
  rate: { '/s': 1 },
  count: {},
  number: {},
  bytes: { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 },
};

/** The unit a metric's values are in when the kind has several (duration: ms unless said otherwise). */
export interface MetricUnit {
  kind: UnitKind;
  /** A unit of the kind (e.g. `min`, `h`); default its reference unit (ms, fraction, /s, bytes). */
  base?: string;
}

/** The units a kind accepts, for messages. */
export function unitsOf(kind: UnitKind): string[] {
  if (kind === 'bytes') return ['B', 'KB', 'MB', 'GB', 'KiB', 'MiB', 'GiB'];
  return Object.keys(UNITS[kind]);
}

/** The size of a bare number of each kind, in the table's unit (a bare ratio is a fraction: 100 %). */
const BARE: Record<UnitKind, number> = { duration: 1, ratio: 100, rate: 1, count: 1, number: 1, bytes: 1 };

/** A number written in `unit` converted to the metric's base unit; undefined when the unit is not one of its kind. */
export function toBaseUnit(n: number, unit: string, m: MetricUnit): number | undefined {
  if (unit === '') return n;
  const table = UNITS[m.kind];
  const sizeOf = (u: string) => {
    const key = m.kind === 'bytes' ? u.toLowerCase() : u;
    return Object.hasOwn(table, key) ? table[key] : undefined;
  };
  const size = sizeOf(unit);
  const base = m.base === undefined ? BARE[m.kind] : sizeOf(m.base);
  // Multiply first, then divide: 70 % is 0.7 exactly, not 0.7000000000000001.
  return size === undefined || base === undefined ? undefined : (n * size) / base;
}

/** What a bound of this metric may be written in, e.g. "a duration: us, µs, ms, s, m, min, h; a bare number is in ms". */
export function describeUnit(m: MetricUnit): string {
  const bare: Record<UnitKind, string> = {
    duration: `a duration: ${unitsOf('duration').join(', ')}; a bare number is in ${m.base ?? 'ms'}`,
    ratio: 'a ratio: % or a bare fraction (0.05 = 5%)',
    rate: 'a rate: /s or a bare number per second',
    bytes: `a size: ${unitsOf('bytes').join(', ')}; a bare number is in ${m.base ?? 'bytes'}`,
    count: 'a count, which takes no unit',
    number: 'a plain number, which takes no unit',
  };
  return bare[m.kind];
}

/** A value in its kind's natural unit, for messages: 1834 ms → "1.83 s". */
export function formatMetric(value: number | null, m: MetricUnit): string {
  if (value === null) return 'no data';
  if (m.base !== undefined) return `${round(value)} ${m.base}`;
  switch (m.kind) {
    case 'duration':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
    case 'ratio':
      return `${(value * 100).toFixed(2)} %`;
    case 'rate':
      return `${value.toFixed(1)}/s`;
    case 'bytes':
      return value >= 1024 ** 3 ? `${(value / 1024 ** 3).toFixed(2)} GB` : `${(value / 1024 ** 2).toFixed(1)} MB`;
    case 'count':
    case 'number':
      return String(round(value));
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
