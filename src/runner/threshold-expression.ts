import { AspError } from '../errors.ts';
import { AGGREGATES, METRICS, aggregate, metricDoc, type Aggregate, type RunMetrics } from './run-metrics.ts';

/**
 * k6-style threshold expressions over run metrics (see run-metrics.ts):
 *
 *   expression := metric [ "." aggregate ] comparator number
 *   aggregate  := avg | min | max | med | sum | count | p<N> | p(<N>)
 *   comparator := <  <=  >  >=  ==  !=
 *
 * e.g. `review_rounds.p95 <= 2`, `estimate.in_interval70 >= 0.6`,
 * `escaped_defects == 0`, `tasks.failed == 0`. Parsed by hand; a malformed
 * or unknown expression is a ThresholdError (exit 2) pointing at the column.
 */
export const COMPARATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Comparator = (typeof COMPARATORS)[number];

export interface ThresholdExpression {
  source: string;
  metric: string;
  aggregate?: Aggregate;
  comparator: Comparator;
  value: number;
}

export interface ThresholdResult {
  expression: string;
  pass: boolean;
  /** The metric's value in this run (null: no data, which fails). */
  actual: number | null;
}

export function thresholdError(source: string, column: number, message: string): AspError {
  const caret = `${' '.repeat(column)}^`;
  return new AspError('SCENARIO_INVALID', `invalid threshold "${source}": ${message} (column ${column + 1})\n    ${source}\n    ${caret}`, {
    exitCode: 2,
    hint: 'write `<metric>[.<aggregate>] <comparator> <number>`, e.g. `review_rounds.p95 <= 2`; `asp regress --help` lists the metrics',
    details: { expression: source, column: column + 1 },
  });
}

/** Reads expressions left to right; errors point at the column. */
class Cursor {
  i = 0;
  constructor(readonly source: string) {}

  fail(message: string, at = this.i): never {
    throw thresholdError(this.source, at, message);
  }
  get done(): boolean {
    return this.i >= this.source.length;
  }
  skipSpace(): void {
    while (!this.done && /\s/.test(this.source[this.i] ?? '')) this.i++;
  }
  ident(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.source.slice(this.i));
    if (!m) return this.fail(this.done ? 'expected a metric name, found the end' : `expected a name, found "${this.source[this.i]}"`);
    this.i += m[0].length;
    return m[0];
  }
  number(what: string): number {
    const m = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(this.source.slice(this.i));
    if (!m) return this.fail(this.done ? `expected ${what}, found the end` : `expected ${what}, found "${this.source.slice(this.i, this.i + 8)}"`);
    this.i += m[0].length;
    return Number(m[0]);
  }
}

export interface MetricRef {
  metric: string;
  aggregate?: Aggregate;
}

function readMetric(c: Cursor): MetricRef {
  const start = c.i;
  const segments: Array<{ text: string; at: number; percentile?: number }> = [{ text: c.ident(), at: start }];
  while (c.source[c.i] === '.') {
    c.i++;
    const at = c.i;
    if (c.source.startsWith('p(', c.i)) {
      c.i += 2;
      const p = c.number('a percentile');
      if (c.source[c.i] !== ')') c.fail('expected ")" after the percentile');
      c.i++;
      segments.push({ text: c.source.slice(at, c.i), at, percentile: p });
    } else {
      segments.push({ text: c.ident(), at });
    }
  }
  const { metric, agg } = resolveMetric(c.source, start, segments);
  return { metric, ...(agg ? { aggregate: agg } : {}) };
}

/** Parses a metric reference alone, e.g. `review_rounds.p95` or `tasks.failed`. */
export function parseMetricRef(source: string): MetricRef {
  const c = new Cursor(source);
  c.skipSpace();
  const ref = readMetric(c);
  c.skipSpace();
  if (!c.done) c.fail(`unexpected "${source.slice(c.i)}" after the metric`);
  return ref;
}

export function parseThreshold(source: string): ThresholdExpression {
  const c = new Cursor(source);
  c.skipSpace();
  const ref = readMetric(c);
  c.skipSpace();
  const comparator = COMPARATORS.find((op) => source.startsWith(op, c.i));
  if (!comparator) return c.fail(c.done ? 'expected a comparator (<, <=, >, >=, ==, !=), found the end' : `expected a comparator (<, <=, >, >=, ==, !=), found "${source[c.i]}"`);
  c.i += comparator.length;
  c.skipSpace();
  const value = c.number('a number');
  c.skipSpace();
  if (!c.done) c.fail(`unexpected "${source.slice(c.i)}" after the number`);
  return { source, ...ref, comparator, value };
}

function resolveMetric(source: string, start: number, segments: Array<{ text: string; at: number; percentile?: number }>): { metric: string; agg?: Aggregate } {
  const full = segments.map((s) => s.text).join('.');
  const doc = metricDoc(full);
  if (doc?.kind === 'value') return { metric: full };
  if (doc?.kind === 'trend') throw thresholdError(source, start, `"${full}" is a per-task distribution; add an aggregate: ${AGGREGATES.join(', ')}, p95, p(99.9)`);
  const last = segments[segments.length - 1]!;
  const base = segments.slice(0, -1).map((s) => s.text).join('.');
  const baseDoc = segments.length > 1 ? metricDoc(base) : undefined;
  if (baseDoc?.kind === 'value') throw thresholdError(source, last.at, `"${base}" is a single number; it takes no aggregate ("${last.text}")`);
  if (baseDoc?.kind === 'trend') {
    const agg = parseAggregate(last);
    if (!agg) throw thresholdError(source, last.at, `unknown aggregate "${last.text}"; use ${AGGREGATES.join(', ')}, pN or p(N)`);
    if (agg.kind === 'p' && !(agg.percentile >= 0 && agg.percentile <= 100)) throw thresholdError(source, last.at, `percentile ${agg.percentile} is outside 0..100`);
    return { metric: base, agg };
  }
  const near = METRICS.filter((m) => m.name.split('.')[0] === segments[0]?.text).map((m) => m.name);
  throw thresholdError(source, start, `unknown metric "${full}"${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
}

function parseAggregate(segment: { text: string; percentile?: number }): Aggregate | undefined {
  if (segment.percentile !== undefined) return { kind: 'p', percentile: segment.percentile };
  const named = AGGREGATES.find((a) => a === segment.text);
  if (named) return { kind: named };
  const m = /^p(\d+)$/.exec(segment.text);
  return m ? { kind: 'p', percentile: Number(m[1]) } : undefined;
}

/** The value a metric reference reads in a run (null when there is no data). */
export function thresholdValue(expr: MetricRef, metrics: RunMetrics): number | null {
  if (!expr.aggregate) return metrics.values[expr.metric] ?? null;
  return aggregate(metrics.trends[expr.metric] ?? [], expr.aggregate);
}

export function evaluateThreshold(expr: ThresholdExpression, metrics: RunMetrics): ThresholdResult {
  const actual = thresholdValue(expr, metrics);
  return { expression: expr.source, actual, pass: actual !== null && compare(actual, expr.comparator, expr.value) };
}

const EPSILON = 1e-9;

/** `a op b`, with equality within 1e-9. */
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
