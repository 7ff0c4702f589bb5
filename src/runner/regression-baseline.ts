import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { AspError } from '../errors.ts';
import { parseMetricRef } from '../thresholds/threshold-parser.ts';
import { readRunMetric, runMetricCatalogue, type RunMetrics } from './run-metrics.ts';

/**
 * A committed regression baseline, `test/baselines/<scenario file name>.json`:
 * the outcome digest and every task digest of the scenario's run, with a
 * few key metrics so a changed digest comes with a readable explanation.
 */
export const BaselineSchema = z.strictObject({
  scenario: z.string(),
  file: z.string(),
  scenarioHash: z.string(),
  seed: z.union([z.number(), z.string()]),
  engineVersion: z.string(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  tasks: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), z.number().nullable()),
});
export type Baseline = z.infer<typeof BaselineSchema>;

/** Metrics stored in baselines and compared when a digest changes. */
export const KEY_METRICS = [
  'tasks.total',
  'tasks.done',
  'tasks.failed',
  'review_rounds.avg',
  'review_rounds.max',
  'defects.injected',
  'defects.found_review',
  'escaped_defects',
  'estimate.in_interval70',
  'estimate.in_interval90',
  'sim.hours',
] as const;

export function baselinePath(dir: string, name: string): string {
  return join(dir, `${name}.json`);
}

export function keyMetrics(metrics: RunMetrics): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const name of KEY_METRICS) {
    const v = readRunMetric(parseMetricRef(name, runMetricCatalogue), metrics);
    out[name] = v === null ? null : Math.round(v * 1e6) / 1e6;
  }
  return out;
}

/** The baseline, or undefined when there is none. A malformed baseline is an error (exit 2). */
export function readBaseline(file: string): Baseline | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AspError('USAGE', `${file}: cannot read the baseline (${String(err)})`, { exitCode: 2, cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new AspError('USAGE', `${file}: the baseline is not valid JSON (${(err as Error).message})`, {
      exitCode: 2,
      hint: 'restore it from git or rewrite it with `npm run regress -- --update-baselines`',
    });
  }
  const parsed = BaselineSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AspError('USAGE', `${file}: not a regression baseline (${issue?.path.join('.') || '(root)'}: ${issue?.message})`, {
      exitCode: 2,
      hint: 'restore it from git or rewrite it with `npm run regress -- --update-baselines`',
    });
  }
  return parsed.data;
}

export function writeBaseline(file: string, baseline: Baseline): void {
  mkdirSync(dirname(file), { recursive: true });
  const sortedTasks = Object.fromEntries(Object.entries(baseline.tasks).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(file, `${JSON.stringify({ ...baseline, tasks: sortedTasks }, null, 2)}\n`);
}

export interface MetricChange {
  name: string;
  baseline: number | null;
  actual: number | null;
}

export function metricChanges(baseline: Baseline, actual: Record<string, number | null>): MetricChange[] {
  const names = new Set([...Object.keys(baseline.metrics), ...Object.keys(actual)]);
  const changes: MetricChange[] = [];
  for (const name of names) {
    const a = baseline.metrics[name] ?? null;
    const b = actual[name] ?? null;
    if (a === b || (a !== null && b !== null && Math.abs(a - b) < 1e-6)) continue;
    changes.push({ name, baseline: a, actual: b });
  }
  return changes;
}

/** Tasks whose digest differs, is missing, or is new, in id order. */
export function differingTasks(expected: Record<string, string>, actual: Record<string, string>): string[] {
  const ids = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...ids].filter((id) => expected[id] !== actual[id]).sort();
}
