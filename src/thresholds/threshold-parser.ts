import { AspError } from '../errors.ts';
import { AGGREGATE_SPELLINGS, aggregateName, parseAggregate } from './aggregate.ts';
import { refName, type MetricCatalogue, type MetricInfo, type MetricRef } from './metric-catalogue.ts';
import { describeUnit, toBaseUnit, type MetricUnit } from './metric-units.ts';

/**
 * The one threshold language: scenario `expect:` lines, `asp load
 * --threshold`, regression scenarios and experiment `expect:` (which adds a
 * statistic, see src/experiment/experiment-expectations.ts). The user's
 * reference is README.md, section "Thresholds". Grammar:
 *
 *   threshold  := metric comparator number [unit]
 *   metric     := name ("." name)* ["." aggregate]     (the catalogue says which names exist)
 *   aggregate  := avg | mean | min | max | med | sum | count | pN | p(N)
 *   comparator := <  <=  >  >=  ==  !=
 *   unit       := by the metric's kind, see metric-units.ts
 *
 * Whitespace between the parts is free. A bad threshold is an AspError
 * (exit 2) that says what is wrong, at which column, and how to write it;
 * the caller adds where it came from (flag, file and line).
 */
export const COMPARATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** A parsed threshold: what it reads, and the bound in the metric's base unit. */
export interface Threshold extends MetricRef {
  /** As written, trimmed. */
  source: string;
  /** The reference in its canonical spelling (`e2e.p95` for `e2e.p(95)`). */
  name: string;
  unit: MetricUnit;
  comparator: Comparator;
  value: number;
}

/** A dotted metric path as written: each segment and its column (0-based). */
export interface Segment {
  text: string;
  at: number;
  /** Set for the `p(N)` form. */
  percentile?: number;
}

/** The syntax of a threshold, before its metric is looked up. */
export interface Comparison {
  source: string;
  segments: Segment[];
  comparator: Comparator;
  number: number;
  /** As written; '' when none. */
  unit: string;
  unitAt: number;
}

export const THRESHOLD_FORM = '<metric>[.<aggregate>] <comparator> <number>[<unit>]';

function hintFor(catalogue?: MetricCatalogue): string {
  return `write ${THRESHOLD_FORM}, e.g. e2e.p95 < 2s, errors.rate < 1%, review_rounds.p95 <= 2${catalogue ? `; ${catalogue.listHint}` : ''}; README.md ("Thresholds") describes the language`;
}

/** The exit-2 error for a bad threshold, pointing at a column (0-based). */
export function thresholdError(source: string, column: number, problem: string, catalogue?: MetricCatalogue): AspError {
  return new AspError('USAGE', `invalid threshold "${source}": ${problem} (column ${column + 1})\n    ${source}\n    ${' '.repeat(column)}^`, {
    exitCode: 2,
    hint: hintFor(catalogue),
    details: { expression: source, column: column + 1, problem },
  });
}

/** The problem of a threshold error on one line, without the caret: `invalid threshold "x": … (column 3)`. */
export function thresholdProblem(err: AspError): string {
  const d = err.details as { expression?: string; column?: number; problem?: string } | undefined;
  return d?.problem === undefined ? err.message : `invalid threshold "${d.expression}": ${d.problem} (column ${d.column})`;
}

/**
 * A threshold error told with where the threshold came from (`--threshold #2`,
 * `scenario.yaml: expect[3]`) and, when given, the lines to show instead of
 * the expression with its caret (e.g. the file's line).
 */
export function placeThresholdError(err: AspError, where: string, options: { code?: AspError['code']; excerpt?: readonly string[] } = {}): AspError {
  const d = err.details as { expression?: string; column?: number; problem?: string } | undefined;
  if (d?.problem === undefined) return new AspError(options.code ?? err.code, `${where}: ${err.message}`, { exitCode: err.exitCode, cause: err, ...(err.hint ? { hint: err.hint } : {}) });
  const body = options.excerpt ?? err.message.split('\n').slice(1);
  return new AspError(options.code ?? err.code, [`${where}: ${thresholdProblem(err)}`, ...body].join('\n'), {
    exitCode: err.exitCode,
    cause: err,
    ...(err.hint ? { hint: err.hint } : {}),
    details: d,
  });
}

/** Reads left to right; every error points at a column. */
class Cursor {
  i = 0;
  constructor(
    readonly source: string,
    readonly catalogue?: MetricCatalogue,
  ) {}

  fail(problem: string, at = this.i): never {
    throw thresholdError(this.source, at, problem, this.catalogue);
  }
  get done(): boolean {
    return this.i >= this.source.length;
  }
  found(): string {
    return this.done ? 'the end' : `"${this.source.slice(this.i, this.i + 8)}"`;
  }
  skipSpace(): void {
    while (!this.done && /\s/.test(this.source[this.i]!)) this.i++;
  }
  ident(what: string): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.source.slice(this.i));
    if (!m) return this.fail(`expected ${what}, found ${this.done ? 'the end' : `"${this.source[this.i]}"`}`);
    this.i += m[0].length;
    return m[0];
  }
  number(what: string): number {
    const m = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(this.source.slice(this.i));
    if (!m) return this.fail(`expected ${what}, found ${this.found()}`);
    this.i += m[0].length;
    return Number(m[0]);
  }
  segments(): Segment[] {
    const segments: Segment[] = [{ at: this.i, text: this.ident('a metric name') }];
    while (this.source[this.i] === '.') {
      this.i++;
      const at = this.i;
      if (this.source.startsWith('p(', this.i)) {
        this.i += 2;
        const percentile = this.number('a percentile');
        if (this.source[this.i] !== ')') this.fail('expected ")" after the percentile');
        this.i++;
        segments.push({ text: this.source.slice(at, this.i), at, percentile });
      } else {
        segments.push({ text: this.ident('a name after "."'), at });
      }
    }
    return segments;
  }
}

/** The syntax alone: metric path, comparator, number, unit. */
export function parseComparison(text: string, catalogue?: MetricCatalogue): Comparison {
  const source = text.trim();
  const c = new Cursor(source, catalogue);
  const segments = c.segments();
  c.skipSpace();
  const comparator = COMPARATORS.find((op) => source.startsWith(op, c.i));
  if (!comparator) return c.fail(`expected a comparator (<, <=, >, >=, ==, !=), found ${c.done ? 'the end' : `"${source[c.i]}"`}`);
  c.i += comparator.length;
  c.skipSpace();
  const number = c.number('a number');
  c.skipSpace();
  const unitAt = c.i;
  const unit = source.slice(c.i);
  if (unit !== '' && !/^(?:%|\/s|[A-Za-zµ]+)$/.test(unit)) c.fail(`unexpected "${unit}" after the number; one threshold is one comparison (write each on its own line or flag)`);
  return { source, segments, comparator, number, unit, unitAt };
}

/** Looks a metric path up in the catalogue: a value, or a trend with an aggregate it keeps. */
export function resolveMetric(source: string, segments: readonly Segment[], catalogue: MetricCatalogue): { ref: MetricRef; info: MetricInfo } {
  const fail = (at: number, problem: string): never => {
    throw thresholdError(source, at, problem, catalogue);
  };
  const start = segments[0]?.at ?? 0;
  const full = segments.map((s) => s.text).join('.');
  const info = catalogue.get(full);
  if (info?.shape === 'value') return { ref: { metric: full }, info };
  if (info?.shape === 'trend') return fail(start, `"${full}" has many samples (${info.description}); add an aggregate: ${aggregatesOf(info)}, e.g. ${full}.p95`);
  const last = segments[segments.length - 1]!;
  const base = segments
    .slice(0, -1)
    .map((s) => s.text)
    .join('.');
  const baseInfo = segments.length > 1 ? catalogue.get(base) : undefined;
  if (baseInfo?.shape === 'value') return fail(last.at, `"${base}" is a single number; it takes no aggregate ("${last.text}")`);
  if (baseInfo?.shape === 'trend') {
    const agg = parseAggregate(last.text, last.percentile);
    if (!agg) return fail(last.at, `unknown aggregate "${last.text}"; use ${aggregatesOf(baseInfo)}`);
    if (agg.kind === 'p' && !(agg.percentile >= 0 && agg.percentile <= 100)) return fail(last.at, `percentile ${agg.percentile} is outside 0..100`);
    if (baseInfo.aggregates && !baseInfo.aggregates.includes(aggregateName(agg))) return fail(last.at, `${base} keeps only ${aggregatesOf(baseInfo)}; "${last.text}" is not one of them`);
    return { ref: { metric: base, aggregate: agg }, info: baseInfo };
  }
  const near = catalogue.near(full);
  return fail(start, `unknown metric "${full}"${near.length ? `; did you mean ${near.slice(0, 12).join(', ')}${near.length > 12 ? ', …' : ''}?` : ''}`);
}

function aggregatesOf(info: MetricInfo): string {
  return info.aggregates ? info.aggregates.join(', ') : AGGREGATE_SPELLINGS;
}

/** The comparison's number in the metric's base unit; a unit of another kind is an error. */
export function boundValue(c: Comparison, unit: MetricUnit, name: string, catalogue?: MetricCatalogue): number {
  const value = toBaseUnit(c.number, c.unit, unit);
  if (value === undefined) throw thresholdError(c.source, c.unitAt, `"${c.unit}" is not a unit of ${name} (${describeUnit(unit)})`, catalogue);
  return value;
}

/** Parses one threshold against a catalogue; throws AspError (exit 2). */
export function parseThreshold(text: string, catalogue: MetricCatalogue): Threshold {
  const c = parseComparison(text, catalogue);
  const { ref, info } = resolveMetric(c.source, c.segments, catalogue);
  const name = refName(ref);
  const unit: MetricUnit = { kind: info.kind, ...(info.base ? { base: info.base } : {}) };
  return { source: c.source, ...ref, name, unit, comparator: c.comparator, value: boundValue(c, unit, name, catalogue) };
}

/** Parses a metric reference alone, e.g. `review_rounds.p95` or `tasks.failed`. */
export function parseMetricRef(text: string, catalogue: MetricCatalogue): MetricRef {
  const source = text.trim();
  const c = new Cursor(source, catalogue);
  const segments = c.segments();
  if (!c.done) c.fail(`unexpected "${source.slice(c.i)}" after the metric`);
  return resolveMetric(source, segments, catalogue).ref;
}
