import { z } from 'zod';
import { ResultMetaSchema, StepResultSchema } from '../queue/job-schema.ts';
import { ListenerOptionsSchema, WorkflowOptionsSchema } from '../scenario/scenario-schema.ts';
import { STEP_NAMES } from '../workflow/task-types.ts';

/**
 * The recording format (`runs/<runId>/recording.ndjson`), one JSON object per
 * line, validated with these schemas when read:
 *
 *   header    engine version, scenario text and hash, seed, resolved options
 *   dispatch  a step job sent to a persona (request digest; the persona
 *             model is left out and the estimate's history is summarised
 *             by its length)
 *   result    the result a listener returned (the replayer feeds these back)
 *   event     an event a task machine processed, with the state and review
 *             round it led to and a digest of its output (or the error)
 *   footer    run status, outcome digest and every task's digest
 *
 * Lines of concurrent tasks interleave; `seq` numbers them in write order.
 * A run that crashed leaves a readable prefix with no footer.
 */
export const RECORDING_FORMAT = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest');
const seq = z.number().int().nonnegative();
const round = z.number().int().nonnegative();
const taskId = z.string().min(1).max(100);
const step = z.enum(STEP_NAMES);
const persona = z.enum(['jordan', 'alex', 'sarah']);

export const HeaderLineSchema = z.strictObject({
  kind: z.literal('header'),
  format: z.literal(RECORDING_FORMAT),
  engineVersion: z.string().min(1),
  runId: z.string().min(1),
  startedAt: z.string().min(1),
  scenario: z.strictObject({
    name: z.string().min(1),
    file: z.string(),
    source: z.string().min(1),
    hash: sha256,
    /** True when credentials were scrubbed from the source (the hash is of the original). */
    redacted: z.boolean().optional(),
  }),
  seed: z.union([z.number().int(), z.string().min(1)]),
  /** The run was resumed after a crash: tasks finished before it were not re-driven, so this recording cannot be replayed. */
  resumed: z.boolean().optional(),
  options: z.strictObject({
    runtime: z.enum(['process', 'docker', 'compose']),
    workspace: z.enum(['git', 'none']),
    workflow: WorkflowOptionsSchema,
    listeners: ListenerOptionsSchema,
  }),
});

export const DispatchLineSchema = z.strictObject({
  kind: z.literal('dispatch'),
  seq,
  taskId,
  persona,
  jobId: z.string().min(1),
  step,
  round,
  /** sha256 of the canonical JSON of the step request the machine built. */
  request: sha256,
  /** The job as sent, without `model` (the header's scenario has it) and with the estimate's `request.history` replaced by `historyPoints` (its length). */
  job: z.looseObject({ v: z.literal(1), runId: z.string(), persona, request: z.looseObject({ step, taskId, round }) }),
});

export const ResultLineSchema = z.strictObject({
  kind: z.literal('result'),
  seq,
  taskId,
  persona,
  jobId: z.string().min(1),
  step,
  round,
  result: StepResultSchema,
  meta: ResultMetaSchema,
});

export const EventLineSchema = z.strictObject({
  kind: z.literal('event'),
  seq,
  taskId,
  /** The step (and its request round) whose actor produced the event. */
  step,
  stepRound: round,
  type: z.string().min(1),
  /** State and completed review rounds after the transition. */
  state: z.string().min(1),
  round,
  /** sha256 of the canonical JSON of the event's output (done events). */
  output: sha256.optional(),
  /** The actor's error (error events); replay rethrows it with this message. */
  error: z.strictObject({ message: z.string(), code: z.string().optional() }).optional(),
});

export const FooterLineSchema = z.strictObject({
  kind: z.literal('footer'),
  seq,
  status: z.enum(['completed', 'failed', 'interrupted']),
  digest: sha256,
  taskCount: z.number().int().nonnegative(),
  /** Task id → taskDigest(outcome), for every task that finished. */
  tasks: z.record(z.string(), sha256),
  endedAt: z.string().min(1),
});

export const RecordingLineSchema = z.discriminatedUnion('kind', [HeaderLineSchema, DispatchLineSchema, ResultLineSchema, EventLineSchema, FooterLineSchema]);

export type HeaderLine = z.infer<typeof HeaderLineSchema>;
export type DispatchLine = z.infer<typeof DispatchLineSchema>;
export type ResultLine = z.infer<typeof ResultLineSchema>;
export type EventLine = z.infer<typeof EventLineSchema>;
export type FooterLine = z.infer<typeof FooterLineSchema>;
export type RecordingLine = z.infer<typeof RecordingLineSchema>;

/** Key of one step execution of a task: a task runs each (step, round) at most once. */
export function stepKey(stepName: string, stepRound: number): string {
  return `${stepName}#${stepRound}`;
}
