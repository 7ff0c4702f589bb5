import { z } from 'zod';
import { ResultMetaSchema, StepResultSchema } from '../queue/job-schema.ts';
import { ListenerOptionsSchema, WorkflowOptionsSchema } from '../scenario/scenario-schema.ts';
import { STEP_NAMES } from '../workflow/task-types.ts';

/**
 * The recording format, one JSON object per line, validated with these
 * schemas when read:
 *
 *   header    engine version, scenario text and hash, seed, resolved options
 *   dispatch  a step sent to a persona: its (step, round) and the digest of
 *             the request the machine built (the job itself is not repeated:
 *             the scenario and the machine determine it)
 *   result    the result a listener returned (the replayer feeds these back)
 *   event     an event a task machine processed, with the state and review
 *             round it led to (or the error). A done event's output is the
 *             step's result, already in the recording: it is not repeated
 *   resume    the run was resumed (`--resume`) from here on: tasks that appear
 *             after it were driven again from their start, their earlier
 *             lines are superseded
 *   footer    run status, outcome digest and every task's digest
 *
 * While a run goes the recording is plain NDJSON written line by line
 * (`runs/<runId>/recording.ndjson`), so a crashed run leaves a readable prefix
 * with no footer; when the run ends it is gzipped to `recording.ndjson.gz`.
 * Lines of concurrent tasks interleave; `seq` numbers them in write order.
 */
export const RECORDING_FORMAT = 2;

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
  /** The actor's error (error events); replay rethrows it with this message. */
  error: z.strictObject({ message: z.string(), code: z.string().optional() }).optional(),
});

export const ResumeLineSchema = z.strictObject({
  kind: z.literal('resume'),
  seq,
  resumedAt: z.string().min(1),
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

export const RecordingLineSchema = z.discriminatedUnion('kind', [HeaderLineSchema, DispatchLineSchema, ResultLineSchema, EventLineSchema, ResumeLineSchema, FooterLineSchema]);

export type HeaderLine = z.infer<typeof HeaderLineSchema>;
export type DispatchLine = z.infer<typeof DispatchLineSchema>;
export type ResultLine = z.infer<typeof ResultLineSchema>;
export type EventLine = z.infer<typeof EventLineSchema>;
export type ResumeLine = z.infer<typeof ResumeLineSchema>;
export type FooterLine = z.infer<typeof FooterLineSchema>;
export type RecordingLine = z.infer<typeof RecordingLineSchema>;

/** Key of one step execution of a task: a task runs each (step, round) at most once. */
export function stepKey(stepName: string, stepRound: number): string {
  return `${stepName}#${stepRound}`;
}
