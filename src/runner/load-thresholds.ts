import { AspError } from '../errors.ts';

/**
 * k6-style threshold expressions with units, over a catalogue of named
 * metrics (e.g. load-metric-names.ts). The grammar follows
 * threshold-expression.ts (`asp regress`) and adds units, so one parser can
 * serve both once that one takes a catalogue:
 *
 *   expression := metric comparator number [unit]
 *   metric     := name ("." name)* [ "." ( pN | p(N) | avg | med ) ]
 *   comparator := <  <=  >  >=  ==  !=
 *
 * e.g. `e2e.p95<2s`, `wait.alex.p(99) <= 250ms`, `errors.rate<1%`,
 * `throughput.tasks_per_s>50`, `memory.rss_peak<512MB`. Units by kind:
 * duration us|µs|ms|s|m|min|h (a bare number is ms); ratio % (else 0..1);
 * rate /s (optional); bytes B|KB|MB|GB (1024-based; KiB, MiB, GiB too);
 * count: none. A malformed expression, an unknown metric or a unit of the
 * wrong kind is an AspError USAGE (exit 2) before anything runs.
 */
export type MetricKind = 'duration' | 'ratio' | 'rate' | 'count' | 'bytes';

export interface MetricCatalogue {
  /** The kind of a metric, undefined when there is no such metric. */
  kindOf(metric: string): MetricKind | undefined;
  /** Every metric name (for messages). */
  names(): readonly string[];
}

export const COMPARATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Comparator = (typeof COMPARATORS)[number];

export interface Threshold {
  source: string;
  metric: string;
  kind: MetricKind;
  comparator: Comparator;
  /** The bound in the metric's base unit (ms, 0..1, per second, count, bytes). */
  value: number;
}

export interface ThresholdOutcome {
  threshold: Threshold;
  /** The metric's value in the run, in its base unit; null when the run has no data for it (fails). */
  actual: number | null;
  pass: boolean;
}

const UNITS: Record<MetricKind, Record<string, number>> = {
  duration: { '': 1, us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 },
  ratio: { '': 1, '%': 0.01 },
  rate: { '': 1, '/s': 1 },
  count: { '': 1 },
  bytes: { '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 },
};

/** k6 aliases for aggregates: `p(95)` → `p95`, `avg` → `mean`, `med` → `p50`. */
function canonical(metric: string): string {
  return metric
    .replace(/\.p\((\d+(?:\.\d+)?)\)$/, '.p$1')
    .replace(/\.avg$/, '.mean')
    .replace(/\.med$/, '.p50');
}

function invalid(source: string, column: number, message: string, catalogue?: MetricCatalogue): AspError {
  return new AspError('USAGE', `invalid threshold "${source}": ${message} (column ${column + 1})\n    ${source}\n    ${' '.repeat(column)}^`, {
    exitCode: 2,
    hint: `write <metric><comparator><number>[unit], e.g. e2e.p95<2s or errors.rate<0.01${catalogue ? `; metrics: ${summariseNames(catalogue.names())}` : ''}`,
    details: { expression: source, column: column + 1 },
  });
}

function summariseNames(names: readonly string[]): string {
  // Collapse families like e2e.p50 … e2e.max into e2e.{p50,…}.
  const families = new Map<string, string[]>();
  for (const n of names) {
    const dot = n.lastIndexOf('.');
    const head = dot > 0 ? n.slice(0, dot) : n;
    const list = families.get(head) ?? [];
    list.push(dot > 0 ? n.slice(dot + 1) : '');
    families.set(head, list);
  }
  return [...families].map(([head, tails]) => (tails.length > 1 ? `${head}.{${tails.join(',')}}` : tails[0] ? `${head}.${tails[0]}` : head)).join(', ');
}

const METRIC = /^[A-Za-z_][A-Za-z0-9_]*(?:\.(?:p\(\d+(?:\.\d+)?\)|[A-Za-z_][A-Za-z0-9_]*))*/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

/** Parses one expression against a catalogue; throws AspError USAGE (exit 2). */
export function parseThreshold(source: string, catalogue: MetricCatalogue): Threshold {
  let i = source.length - source.trimStart().length;
  const m = METRIC.exec(source.slice(i));
  if (!m) throw invalid(source, i, i >= source.length ? 'expected a metric name, found the end' : `expected a metric name, found "${source[i]}"`, catalogue);
  const metricAt = i;
  const metric = canonical(m[0]);
  i += m[0].length;
  const kind = catalogue.kindOf(metric);
  if (!kind) {
    const near = catalogue.names().filter((n) => n.split('.')[0] === metric.split('.')[0]);
    throw invalid(source, metricAt, `unknown metric "${m[0]}"${near.length ? `; did you mean one of ${summariseNames(near)}?` : ''}`, catalogue);
  }
  while (source[i] === ' ') i++;
  const comparator = COMPARATORS.find((op) => source.startsWith(op, i));
  if (!comparator) throw invalid(source, i, `expected a comparator (<, <=, >, >=, ==, !=), found ${i >= source.length ? 'the end' : `"${source[i]}"`}`);
  i += comparator.length;
  while (source[i] === ' ') i++;
  const n = NUMBER.exec(source.slice(i));
  if (!n) throw invalid(source, i, `expected a number, found ${i >= source.length ? 'the end' : `"${source.slice(i, i + 8)}"`}`);
  i += n[0].length;
  const unitAt = i;
  const unit = source.slice(i).trim();
  const factor = UNITS[kind][kind === 'bytes' ? unit.toLowerCase() : unit];
  if (factor === undefined) {
    const allowed = Object.keys(UNITS[kind]).filter(Boolean);
    throw invalid(source, unitAt, `"${unit}" is not a unit of ${metric} (a ${kind}${allowed.length ? `: use ${allowed.join(', ')} or none` : ', which takes no unit'})`);
  }
  return { source: source.trim(), metric, kind, comparator, value: Number(n[0]) * factor };
}

/** Parses every expression; the first bad one throws. */
export function parseThresholds(sources: readonly string[], catalogue: MetricCatalogue): Threshold[] {
  return sources.map((s) => parseThreshold(s, catalogue));
}

const EPSILON = 1e-9;

export function compare(a: number, op: Comparator, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b + EPSILON;
    case '>':
      return a > b;
    case '>=':
      return a >= b - EPSILON;
    case '==':
      return Math.abs(a - b) <= EPSILON;
    case '!=':
      return Math.abs(a - b) > EPSILON;
  }
}

/** Evaluates thresholds against a run's metric values (base units). Missing data fails. */
export function evaluateThresholds(thresholds: readonly Threshold[], values: Readonly<Record<string, number | null>>): ThresholdOutcome[] {
  return thresholds.map((threshold) => {
    const actual = values[threshold.metric] ?? null;
    return { threshold, actual, pass: actual !== null && Number.isFinite(actual) && compare(actual, threshold.comparator, threshold.value) };
  });
}

/** A value in its kind's natural unit, for messages: 1834 ms → "1.83 s". */
export function formatMetric(value: number | null, kind: MetricKind): string {
  if (value === null) return 'no data';
  switch (kind) {
    case 'duration':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
    case 'ratio':
      return `${(value * 100).toFixed(2)} %`;
    case 'rate':
      return `${value.toFixed(1)}/s`;
    case 'bytes':
      return value >= 1024 ** 3 ? `${(value / 1024 ** 3).toFixed(2)} GB` : `${(value / 1024 ** 2).toFixed(1)} MB`;
    case 'count':
      return String(Math.round(value * 1000) / 1000);
  }
}

/** One line per threshold: "✓ e2e.p95<2s (1.21 s)" / "✗ errors.rate<0.01 (3.10 %)". */
export function describeOutcome(o: ThresholdOutcome): string {
  return `${o.pass ? '✓' : '✗'} ${o.threshold.source}  (actual ${formatMetric(o.actual, o.threshold.kind)})`;
}
