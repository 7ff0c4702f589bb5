import { InlineTransport } from '../engine/inline-transport.ts';
import { runScenario } from '../engine/run-engine.ts';
import { silentLogger } from '../logger.ts';
import { runLayout } from '../runner/run-layout.ts';
import type { RunSummary } from '../engine/run-summary-types.ts';
import { RunSummaryBuilder } from '../runner/run-summary.ts';
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

/**
 * Runs a spec and measures it. Inline: the engine (runScenario) with the
 * persona agents in this thread, watched by the run summary and an outcome
 * collector; nothing is written (the experiment stores each run's digest and
 * metrics), so a worker on another host needs no database. Queues: an
 * ordinary simulate() through the persona listeners, recorded in the
 * telemetry database like any run.
 */
export function runVariant(env: RunEnvironment): RunVariant {
  return async (spec, signal) => {
    const scenario: Scenario = { ...spec.scenario, seed: spec.seed };
    const loaded = { scenario, file: `${scenario.name} (experiment)`, source: JSON.stringify(scenario), hash: '' };
    const collector = new OutcomeCollector();
    let digest: string;
    let summary: RunSummary;
    if (env.transport === 'inline') {
      const layout = runLayout({ runId: `experiment-run-${spec.variant}-${spec.seedIndex}`, ...(env.workspacesDir ? { workspacesDir: env.workspacesDir } : {}) });
      const builder = new RunSummaryBuilder(layout.runId, loaded, scenario, layout);
      const ran = await runScenario({
        runId: layout.runId,
        scenario,
        transport: new InlineTransport({ workspaceRoot: layout.workspaceRoot }),
        observers: [builder, collector],
        log: silentLogger(),
        signal,
      });
      if (ran.status === 'interrupted') throw new Error('interrupted');
      digest = ran.digest;
      summary = builder.build(ran.status, ran.digest, 0);
    } else {
      const run = await simulate({
        scenarioFile: loaded.file,
        loaded,
        transport: 'queue',
        ...(env.redisUrl ? { redisUrl: env.redisUrl } : {}),
        layout: { dbPath: env.dbPath, runsDir: env.runsDir, workspacesDir: env.workspacesDir },
        signal,
        logLevel: 'warn',
        observers: [collector],
      });
      if (run.status === 'interrupted') throw new Error('interrupted');
      digest = run.digest;
      summary = run.summary;
    }
    // A fixed order (not completion order), so sums come out the same bit for bit.
    collector.outcomes.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
    const measured = measureRun(collector.metrics(summary), summary, metricSpecs(spec.metrics));
    return { variant: spec.variant, seedIndex: spec.seedIndex, seed: spec.seed, digest, ...measured };
  };
}
