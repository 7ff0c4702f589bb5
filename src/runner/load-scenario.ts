import { stringify } from 'yaml';
import { parseScenario, type LoadedScenario } from '../scenario/scenario-loader.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';

/** What a load test varies; everything else comes from the template (or the defaults). */
export interface LoadScenarioOptions {
  tasks: number;
  cycles: number;
  /** Tasks in flight (closed model); with an arrival rate, the cap on tasks in flight. */
  concurrency: number;
  listenersPerPersona: number;
  listenerConcurrency: number;
  workspace: 'git' | 'none';
  sizeMedian?: number;
  sizeSigma?: number;
  seed?: string | number;
  /** A scenario whose personas, history, workflow limits and seed are used; its cycles are ignored. */
  template?: LoadedScenario;
}

/** The PSP course history (as in scenarios/load-200.yaml), so PROBE has data from the first task. */
const DEFAULT_HISTORY = [
  [130, 163, 186, 15.0],
  [650, 765, 699, 69.9],
  [99, 141, 132, 6.5],
  [150, 166, 272, 22.4],
  [128, 137, 291, 28.4],
  [302, 355, 331, 65.9],
  [95, 136, 199, 19.4],
  [945, 1206, 1890, 198.7],
  [368, 433, 788, 38.8],
  [961, 1130, 1601, 138.2],
].map(([proxySize, planSize, actualSize, actualHours]) => ({ proxySize, planSize, actualSize, actualHours }));

/**
 * The team a load test runs when no template is given: a developer who
 * injects few defects and a reviewer who finds most of them, with room for
 * rework, so nearly every task ends done (as in scenarios/load-200.yaml) and
 * a failed task means something.
 */
const DEFAULT_TEAM = {
  workflow: { maxReviewRounds: 6 },
  personas: { alex: { defectRate: 20 }, sarah: { reviewYield: 0.7 } },
} as const;

/** Splits `total` into `parts` near-equal positive counts (the first ones get the remainder). */
export function splitCount(total: number, parts: number): number[] {
  const n = Math.max(1, Math.min(parts, total));
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/**
 * Builds the load test's scenario in memory: `tasks` generated tasks spread
 * over `cycles` cycles, validated by the same schema as a scenario file.
 */
export function buildLoadScenario(options: LoadScenarioOptions): LoadedScenario {
  const template: Partial<Scenario> = options.template?.scenario ?? {};
  const median = options.sizeMedian ?? 150;
  const sigma = options.sizeSigma ?? 0.5;
  const doc = {
    name: `Load ${options.tasks}${options.template ? ` (${template.name})` : ''}`,
    description: `asp load: ${options.tasks} generated tasks over ${options.cycles} cycle(s)`,
    seed: options.seed ?? template.seed ?? 1,
    runtime: template.runtime ?? 'process',
    workspace: options.workspace,
    workflow: { ...(options.template ? template.workflow : DEFAULT_TEAM.workflow), concurrency: options.concurrency },
    listeners: { perPersona: options.listenersPerPersona, concurrency: options.listenerConcurrency },
    personas: options.template ? template.personas : DEFAULT_TEAM.personas,
    history: template.history ?? { points: DEFAULT_HISTORY, parts: [] },
    cycles: splitCount(options.tasks, options.cycles).map((count, i) => ({
      name: `Load cycle ${i + 1}`,
      generate: { count, idPrefix: 'load', proxySize: { median, sigma } },
    })),
  };
  return parseScenario(stringify(doc), options.template ? `${options.template.file} (load template)` : '<asp load>');
}
