import { z } from 'zod';
import { ScenarioSchema } from '../scenario/scenario-schema.ts';
import type { RunResult } from './experiment-metrics.ts';
import type { RunSpec, TransportName } from './run-variant.ts';

/**
 * What crosses Redis between an experiment and its workers, validated where
 * it enters: a run to do (spec + transport) and its result.
 */
const seed = z.union([z.number().int(), z.string().min(1)]);

export const RunJobSchema = z.object({
  v: z.literal(1),
  transport: z.enum(['inline', 'queues']),
  spec: z.object({
    variant: z.number().int().nonnegative(),
    seedIndex: z.number().int().nonnegative(),
    seed,
    scenario: ScenarioSchema,
    metrics: z.array(z.string().min(1)).min(1),
  }),
});

export const RunResultSchema = z.object({
  variant: z.number().int().nonnegative(),
  seedIndex: z.number().int().nonnegative(),
  seed,
  digest: z.string().min(1),
  values: z.record(z.string(), z.number().nullable()),
  completion: z.array(z.object({ hours: z.number(), done: z.number() })),
});

export interface RunJob {
  v: 1;
  transport: TransportName;
  spec: RunSpec;
}

export function parseRunJob(data: unknown): RunJob | string {
  const parsed = RunJobSchema.safeParse(data);
  return parsed.success
    ? (parsed.data as RunJob)
    : `invalid experiment run job: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`;
}

export function parseRunResult(data: unknown): RunResult | string {
  const parsed = RunResultSchema.safeParse(data);
  return parsed.success
    ? parsed.data
    : `invalid experiment run result: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`;
}
