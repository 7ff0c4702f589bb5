import { z } from 'zod';
import { AlexModelSchema, CostModelSchema, JordanModelSchema, SarahModelSchema } from '../scenario/scenario-schema.ts';
import { CommandAgentSchema } from '../scenario/agent-spec.ts';
import { STEP_NAMES, type StepResult } from '../workflow/task-types.ts';

/**
 * The wire contract between the runner and the persona listeners, validated
 * with zod on both sides of the queue: a listener rejects a malformed job
 * (without retrying it) and the runner rejects a malformed result.
 */
export const MAX_JOB_BYTES = 1024 * 1024;

const finite = z.number().finite();
const count = z.number().int().nonnegative();

export const DefectSchema = z.strictObject({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(40),
  typeCode: z.number().int().min(10).max(100),
  severity: z.enum(['minor', 'major', 'critical']),
  phaseInjected: z.string().min(1).max(40),
  fixMinutes: finite.nonnegative(),
  /** Where a reviewer saw it (file:line), for defects a command agent reported. */
  location: z.string().max(500).optional(),
  description: z.string().max(2000).optional(),
});

export const HistoryPointSchema = z.strictObject({
  proxySize: finite.positive(),
  planSize: finite.positive().optional(),
  actualSize: finite.positive(),
  actualMinutes: finite.positive(),
});

const IntervalSchema = z.strictObject({ projected: finite, lpi70: finite.nullable(), upi70: finite.nullable(), lpi90: finite.nullable(), upi90: finite.nullable() });

/** The task as a command agent sees it: title, requirements and (after planning) Alex's PROBE estimate. */
export const TaskBriefSchema = z.strictObject({
  title: z.string().max(1000),
  requirements: z.array(z.string().max(4000)).max(500),
  estimate: z.strictObject({ proxySize: finite, sizeMethod: z.string().max(20), size: IntervalSchema, timeMethod: z.string().max(20), minutes: IntervalSchema }).optional(),
});
export type TaskBrief = z.infer<typeof TaskBriefSchema>;

const base = { taskId: z.string().min(1).max(100), round: count.max(1000) };

export const StepRequestSchema = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('define'), ...base, title: z.string().max(1000), requirements: z.array(z.string().max(4000)).max(500) }),
  z.strictObject({ step: z.literal('estimate'), ...base, proxySize: finite.positive(), history: z.array(HistoryPointSchema).max(100_000) }),
  z.strictObject({
    step: z.enum(['implement', 'fix']),
    ...base,
    proxySize: finite.positive(),
    requirementQuality: z.number().min(0).max(1),
    toFix: z.array(DefectSchema).max(10_000),
  }),
  z.strictObject({ step: z.literal('review'), ...base, latent: z.array(DefectSchema).max(10_000), size: finite.nonnegative() }),
  z.strictObject({ step: z.literal('accept'), ...base, latent: z.array(DefectSchema).max(10_000) }),
]);

export const StepJobSchema = z.strictObject({
  v: z.literal(1),
  runId: z.string().min(1).max(100),
  seed: z.union([z.number().int(), z.string()]),
  persona: z.enum(['jordan', 'alex', 'sarah']),
  workspace: z.strictObject({ mode: z.enum(['git', 'none']), dir: z.string().max(500) }),
  model: z.strictObject({
    jordan: JordanModelSchema.extend({ cost: CostModelSchema }).optional(),
    alex: AlexModelSchema.extend({ cost: CostModelSchema }).optional(),
    sarah: SarahModelSchema.extend({ cost: CostModelSchema }).optional(),
  }),
  request: StepRequestSchema,
  /** Real-time pacing: the listener answers no sooner than this (scenario workflow.pacingMs). */
  pacingMs: z.number().int().nonnegative().max(600_000).optional(),
  /** The persona is a command agent (scenario personas.<name>.agent); absent: the simulated model. */
  agent: CommandAgentSchema.optional(),
  /** What a command agent is told about the task beyond the step request (only sent to command agents). */
  brief: TaskBriefSchema.optional(),
});
export type StepJob = z.infer<typeof StepJobSchema>;

const SizeSchema = z.strictObject({
  added: count,
  modified: count,
  deleted: count,
  addedModified: count,
  measuredBy: z.enum(['git', 'model']),
});
const CostSchema = z.strictObject({ tokensIn: finite.nonnegative(), tokensOut: finite.nonnegative(), usd: finite.nonnegative() });
/** `actor`: who acted, `command:<name>@<version>` for a command agent (absent: the simulated model); `note`: what a command agent said it did. */
const common = { minutes: finite.nonnegative(), cost: CostSchema, commit: z.string().optional(), actor: z.string().max(200).optional(), note: z.string().max(4000).optional() };

/** PROBE estimates are produced by our own pure module; the edge checks the shape that the store reads. */
const ProjectionSchema = z.looseObject({ method: z.string(), projected: finite, beta0: finite, beta1: finite });
const EstimateSchema = z.looseObject({ proxySize: finite, size: ProjectionSchema, time: ProjectionSchema });

export const StepResultSchema = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('define'), ...common, requirementQuality: z.number().min(0).max(1), requirementCount: count }),
  z.strictObject({ step: z.literal('estimate'), ...common, estimate: EstimateSchema }),
  z.strictObject({ step: z.enum(['implement', 'fix']), ...common, size: SizeSchema, injected: z.array(DefectSchema), fixed: z.array(z.string()) }),
  z.strictObject({ step: z.literal('review'), ...common, found: z.array(z.string()), reported: z.array(DefectSchema).optional(), verdict: z.enum(['approved', 'changes_requested']) }),
  z.strictObject({ step: z.literal('accept'), ...common, found: z.array(z.string()), reported: z.array(DefectSchema).optional(), verdict: z.enum(['accepted', 'rejected']) }),
]);

export const ResultMetaSchema = z.strictObject({
  persona: z.enum(['jordan', 'alex', 'sarah']),
  listenerId: z.string(),
  userId: z.string(),
  pid: z.number().int(),
  attemptsMade: count,
  enqueuedAt: finite,
  startedAt: finite,
  finishedAt: finite,
});

export const StepEnvelopeSchema = z.strictObject({ result: StepResultSchema, meta: ResultMetaSchema });
export type ResultMetaWire = z.infer<typeof ResultMetaSchema>;
/** A validated result: the schema checks every field the engine reads; the estimate's extra detail passes through. */
export interface StepEnvelope {
  result: StepResult;
  meta: ResultMetaWire;
}
export type ResultMeta = z.infer<typeof ResultMetaSchema>;

export const STEP_NAME_LIST = STEP_NAMES;

/** Deterministic job id: a retried dispatch of the same step is the same job. */
export function stepJobId(runId: string, taskId: string, step: string, round: number): string {
  return `${runId}.${taskId}.${step}.${round}`;
}

/** Human-readable list of zod issues, for job errors. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
