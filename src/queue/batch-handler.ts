import type { Logger } from '../logger.ts';
import { UnrecoverableError } from './bullmq-driver.ts';
import { describeIssues, type StepEnvelope } from './job-schema.ts';
import { BatchJobSchema, type BatchEntry, type BatchResult } from './step-batch.ts';

/** Runs one step's job data on its `attempt` (0 first); throws UnrecoverableError for a job that must not be tried again. */
export type StepRunner = (data: unknown, stepId: string, attempt: number) => Promise<StepEnvelope>;

/**
 * A listener's side of a batch job (step-batch.ts): every step runs at once,
 * each tried up to the batch's `attempts` times as a step job is by its
 * queue (a malformed step is not tried again), and each answers for itself:
 * one step's failure is that step's outcome only. Only a malformed batch
 * fails the whole job.
 */
export async function runBatch(data: unknown, runStep: StepRunner, logger: Logger): Promise<BatchResult> {
  const parsed = BatchJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid job: ${describeIssues(parsed.error)}`);
  const { attempts, steps } = parsed.data;
  const results = await Promise.all(steps.map((step) => runWithRetries(step.id, step.job, attempts, runStep, logger)));
  return { results };
}

async function runWithRetries(stepId: string, job: unknown, attempts: number, runStep: StepRunner, logger: Logger): Promise<BatchEntry> {
  let reason = 'no attempt made';
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return { ok: await runStep(job, stepId, attempt) };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      reason = e.message;
      logger.warn({ jobId: stepId, attempt, err: { message: e.message, name: e.name } }, 'job failed');
      if (err instanceof UnrecoverableError) break;
    }
  }
  return { error: reason };
}
