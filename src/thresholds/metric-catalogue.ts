import { aggregateName, type Aggregate } from './aggregate.ts';
import type { MetricUnit } from './metric-units.ts';

/**
 * The metrics one kind of threshold is written against: the run metrics of
 * a scenario's `expect:` (src/runner/run-metrics.ts) or the load metrics of
 * `asp load --threshold` (src/runner/load-metric-names.ts). A *value* is one
 * number; a *trend* has many samples and is read through an aggregate.
 */
export interface MetricInfo extends MetricUnit {
  name: string;
  shape: 'value' | 'trend';
  description: string;
  /** A trend that keeps only some aggregates (a load latency keeps a summary): their canonical names. */
  aggregates?: readonly string[];
}

/** What a threshold reads: a value metric, or a trend through an aggregate. */
export interface MetricRef {
  metric: string;
  aggregate?: Aggregate;
}

export class MetricCatalogue {
  private readonly byName: ReadonlyMap<string, MetricInfo>;

  /** `listHint` says where a user finds the names, e.g. "`asp load --list-metrics` lists them". */
  constructor(
    readonly metrics: readonly MetricInfo[],
    readonly listHint: string,
  ) {
    this.byName = new Map(metrics.map((m) => [m.name, m]));
  }

  get(name: string): MetricInfo | undefined {
    return this.byName.get(name);
  }

  /** Every reference a threshold can use, one per line in listings (a trend with open aggregates as `name.<aggregate>`). */
  names(): string[] {
    return this.metrics.flatMap((m) => (m.shape === 'value' ? [m.name] : m.aggregates ? m.aggregates.map((a) => `${m.name}.${a}`) : [`${m.name}.<aggregate>`]));
  }

  /** Names close to an unknown one (same first segment), for "did you mean". */
  near(name: string): string[] {
    const head = name.split('.')[0];
    return this.metrics.filter((m) => m.name.split('.')[0] === head).map((m) => m.name);
  }
}

/** A reference as text in its canonical spelling: `e2e.p95`, `review_rounds.avg`, `tasks.failed`. */
export function refName(ref: MetricRef): string {
  return ref.aggregate ? `${ref.metric}.${aggregateName(ref.aggregate)}` : ref.metric;
}
