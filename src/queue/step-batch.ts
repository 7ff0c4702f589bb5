import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Several steps of one persona in one queue job (a "batch" job): the steps
 * that became ready together (step-batcher.ts) travel together, so
 * a round trip through Redis carries up to MAX_BATCH_STEPS steps. Each step
 * keeps its own id, job and outcome: the listener answers with one entry per
 * step, in order, a result envelope or the reason the step failed.
 */
export const BATCH_JOB_NAME = 'batch';
export const MAX_BATCH_STEPS = 256;
/** Steps per job unless told otherwise (ASP_STEP_BATCH; 1: one job per step). */
export const DEFAULT_BATCH_STEPS = 32;

export const BatchJobSchema = z.strictObject({
  v: z.literal(1),
  /** Tries per step (the scenario's stepAttempts), made by the listener. */
  attempts: z.number().int().min(1).max(100),
  steps: z
    .array(z.strictObject({ id: z.string().min(1).max(300), job: z.unknown() }))
    .min(1)
    .max(MAX_BATCH_STEPS),
});
export type BatchJob = z.infer<typeof BatchJobSchema>;

/** One step's answer: `ok` its envelope (validated by the dispatcher), or `error` why it failed. */
export type BatchEntry = { ok: unknown } | { error: string };

export const BatchResultSchema = z.strictObject({
  results: z.array(z.union([z.strictObject({ ok: z.unknown() }), z.strictObject({ error: z.string() })])),
});
export type BatchResult = z.infer<typeof BatchResultSchema>;

/**
 * Deterministic id of a batch job: the same steps make the same job, so a
 * batch Redis already has is reported as a duplicate, as a single step is.
 */
export function batchJobId(stepIds: readonly string[]): string {
  const hash = createHash('sha256').update(stepIds.join('\n')).digest('hex').slice(0, 24);
  return `batch.${hash}`;
}

/** Max steps per batch job from ASP_STEP_BATCH (absent or invalid: the default). */
export function batchStepsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ASP_STEP_BATCH;
  if (raw === undefined || raw === '') return DEFAULT_BATCH_STEPS;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_BATCH_STEPS) : DEFAULT_BATCH_STEPS;
}
