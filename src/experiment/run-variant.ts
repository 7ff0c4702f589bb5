import { simulate } from '../runner/simulate.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { OutcomeCollector } from '../runner/scenario-expectations.ts';
import { measureRun, metricSpec, type MetricSpec, type RunResult } from './experiment-metrics.ts';

/**
 * One run of one variant with one seed: an ordinary run of the engine. The
 * spec is plain data, so it crosses to worker threads and over BullMQ.
 */
export interface RunSpec {
  variant: number;
  seedIndex: number;
  seed: string | number;
  /** The variant's scenario, resolved (the seed is set from `seed`). */
  scenario: Scenario;
  /** Metric references to read (see experiment-metrics.ts). */
  metrics: string[];
}

export type TransportName = 'inline' | 'queues';

/** Where a run that needs them finds Redis and the database. */
export interface RunEnvironment {
  transport: TransportName;
  redisUrl?: string;
  /** Telemetry database and folders of runs on the queues (real runs, recorded like any other). */
  dbPath?: string;
  runsDir?: string;
  workspacesDir?: string;
}

export type RunVariant = (spec: RunSpec, signal: AbortSignal) => Promise<RunResult>;

export function metricSpecs(refs: readonly string[]): MetricSpec[] {
  return refs.map((ref) => {
    const spec = metricSpec(ref);
    if (typeof spec === 'string') throw new Error(spec);
    return spec;
  });
}

/** Runs a spec through simulate() on the chosen transport and measures it. */
export function runVariant(env: RunEnvironment): RunVariant {
  return async (spec, signal) => {
    const refs = metricSpecs(spec.metrics);
    const collector = new OutcomeCollector();
    const scenario: Scenario = { ...spec.scenario, seed: spec.seed };
    const run = await simulate({
      scenarioFile: `${scenario.name} (experiment)`,
      loaded: { scenario, file: `${scenario.name} (experiment)`, source: JSON.stringify(scenario), hash: '' },
      transport: env.transport === 'inline' ? 'inline' : 'queue',
      ...(env.redisUrl ? { redisUrl: env.redisUrl } : {}),
      layout: { dbPath: env.dbPath, runsDir: env.runsDir, workspacesDir: env.workspacesDir },
      signal,
      logLevel: 'warn',
      observers: [collector],
    });
    if (run.status === 'interrupted') throw new Error('interrupted');
    // A fixed order (not completion order), so sums come out the same bit for bit.
    collector.outcomes.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
    const measured = measureRun(collector.metrics(run.summary), run.summary, refs);
    return { variant: spec.variant, seedIndex: spec.seedIndex, seed: spec.seed, digest: run.digest, ...measured };
  };
}
