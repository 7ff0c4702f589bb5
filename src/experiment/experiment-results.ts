import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { canonicalJson } from '../engine/outcome-digest.ts';
import { ENGINE_VERSION } from '../version.ts';
import type { ExperimentPlan } from './experiment-loader.ts';
import type { RunResult } from './experiment-metrics.ts';
import { CONFIDENCE, describe, differenceSentence, pairedDifference, type Description, type Difference } from './experiment-statistics.ts';
import { forecast, type Forecast } from './forecast.ts';

/**
 * The results of an experiment: what the report, the table, `--json` and
 * the database show. Everything in it follows from the experiment file,
 * the base scenario and the engine version, so its digest is the same at
 * any worker count and on either transport.
 */
export interface MetricResult {
  metric: string;
  label: string;
  description: Description;
  /** Paired difference from the baseline (absent for the baseline itself). */
  difference?: Difference;
  sentence?: string;
}

export interface VariantResult {
  index: number;
  label: string;
  settings: Array<{ path: string; value: unknown }>;
  baseline: boolean;
  metrics: MetricResult[];
  forecast: Forecast;
}

export interface ExperimentResults {
  name: string;
  file: string;
  hash: string;
  baseScenario: { name: string; file: string; hash: string };
  engineVersion: string;
  confidence: number;
  seeds: Array<string | number>;
  runs: number;
  variants: VariantResult[];
  /** Per run: variant, seed and the run's outcome digest, in plan order. */
  runDigests: Array<{ variant: number; seed: string | number; digest: string }>;
  /** sha256 of everything above. */
  digest: string;
}

/** Aggregates the runs of a plan (any order; every variant × seed once). */
export function experimentResults(plan: ExperimentPlan, runs: readonly RunResult[]): ExperimentResults {
  const grid = plan.variants.map(() => plan.seeds.map((): RunResult | undefined => undefined));
  for (const r of runs) {
    const row = grid[r.variant];
    if (row) row[r.seedIndex] = r;
  }
  const valuesOf = (variant: number, ref: string) => (grid[variant] ?? []).map((r) => r?.values[ref] ?? null);
  const variants: VariantResult[] = plan.variants.map((v) => {
    const isBaseline = v.index === plan.baseline;
    const metrics = plan.metrics.map((m): MetricResult => {
      const values = valuesOf(v.index, m.ref);
      const result: MetricResult = { metric: m.ref, label: m.label, description: describe(values) };
      if (!isBaseline) {
        const difference = pairedDifference(values, valuesOf(plan.baseline, m.ref));
        result.difference = difference;
        result.sentence = differenceSentence(m.label, difference);
      }
      return result;
    });
    const finished = (grid[v.index] ?? []).filter((r): r is RunResult => r !== undefined);
    const fc = forecast(
      finished.map((r) => ({
        endHours: r.values['sim.hours'] ?? 0,
        effortHours: r.values['effort.hours'] ?? 0,
        tasks: r.values['tasks.total'] ?? 0,
        done: r.values['tasks.done'] ?? 0,
        completion: r.completion,
      })),
      { hoursPerDay: plan.forecast.hoursPerDay, ...(plan.forecast.byHours !== undefined ? { byHours: plan.forecast.byHours } : {}) },
    );
    return { index: v.index, label: v.label, settings: v.settings, baseline: isBaseline, metrics, forecast: fc };
  });
  const body: Omit<ExperimentResults, 'digest'> = {
    name: plan.name,
    file: portable(plan.file),
    hash: plan.hash,
    baseScenario: { name: plan.base.name, file: portable(plan.base.file), hash: plan.base.hash },
    engineVersion: ENGINE_VERSION,
    confidence: CONFIDENCE,
    seeds: plan.seeds,
    runs: runs.length,
    variants,
    runDigests: grid.flatMap((row, variant) => row.map((r, i) => ({ variant, seed: plan.seeds[i] ?? i, digest: r?.digest ?? 'missing' }))),
  };
  return { ...body, digest: resultsDigest(body) };
}

export function resultsDigest(body: Omit<ExperimentResults, 'digest'>): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** A path relative to the working directory, with forward slashes: the same on every machine that runs from the project root. */
function portable(file: string): string {
  return (relative(process.cwd(), file) || file).split('\\').join('/');
}
