import { z } from 'zod';
import { TaskBriefSchema } from '../queue/job-schema.ts';
import { STEP_NAMES } from '../workflow/task-types.ts';

/**
 * The command agent protocol, version 1: JSON lines over the agent's
 * stdin/stdout. For each step the listener starts the command, writes one
 * request line to its stdin (then closes it) and reads one response line from
 * its stdout; both are validated with these schemas (the reference agents in
 * src/agents/reference/ validate with them too). stderr is the agent's log.
 * Anything else on stdout before the response must not look like JSON (`{`):
 * the first line starting with `{` is the response.
 */
export const AGENT_PROTOCOL_VERSION = 1;

const finite = z.number().finite();
const severity = z.enum(['minor', 'major', 'critical']);

/** A finding the agent is asked to address (a fix step's review notes). */
export const ReviewNoteSchema = z.strictObject({
  id: z.string(),
  type: z.string(),
  severity,
  location: z.string().optional(),
  description: z.string().optional(),
});

export const AgentRequestSchema = z.strictObject({
  protocol: z.literal(AGENT_PROTOCOL_VERSION),
  runId: z.string(),
  taskId: z.string(),
  step: z.enum(STEP_NAMES),
  /** Review rounds completed before this step (0 for the first implementation and review). */
  round: z.number().int().nonnegative(),
  title: z.string(),
  requirements: z.array(z.string()),
  /** The findings to fix (step `fix`); empty otherwise. */
  reviewNotes: z.array(ReviewNoteSchema),
  /** Absolute path of the task's git repository; the agent's working directory. */
  workspace: z.string(),
  /** Alex's PROBE estimate with its intervals (steps after `estimate`; at `estimate`, the one the engine computed from the proxy size). */
  estimate: TaskBriefSchema.shape.estimate,
  /** Step `estimate`: the task's proxy size (LOC). Step `review`: the size of the change under review (added & modified LOC). */
  proxySize: finite.optional(),
  size: finite.optional(),
  persona: z.strictObject({ name: z.enum(['jordan', 'alex', 'sarah']), role: z.string(), userId: z.string(), gitName: z.string(), gitEmail: z.string() }),
  /** The command is killed after this many milliseconds. */
  timeoutMs: z.number().int().positive(),
});
export type AgentRequest = z.infer<typeof AgentRequestSchema>;

export const ReportedDefectSchema = z.strictObject({
  /** PSP defect type name (Documentation, Syntax, Build/Package, Assignment, Interface, Checking, Data, Function, System, Environment). */
  type: z.string().min(1).max(40),
  severity,
  /** file:line (or a file, or a requirement) */
  location: z.string().min(1).max(500),
  description: z.string().max(2000).default(''),
});

export const AgentResponseSchema = z.strictObject({
  protocol: z.literal(AGENT_PROTOCOL_VERSION),
  /** The step answered (must be the request's). */
  step: z.enum(STEP_NAMES),
  /** What the agent did, one or a few sentences. */
  did: z.string().max(4000),
  /** implement/fix (required), define, review, accept: the commit the agent made in the task's workspace. */
  commit: z
    .string()
    .regex(/^[0-9a-f]{40}$/, 'a full 40-hex git commit sha')
    .optional(),
  /** review/accept: what it found. */
  defects: z.array(ReportedDefectSchema).max(1000).default([]),
  /** review: approved | changes_requested; accept: accepted | rejected. Default: from whether defects were found. */
  verdict: z.enum(['approved', 'changes_requested', 'accepted', 'rejected']).optional(),
  /** fix: ids of the review notes addressed (default: all of them). */
  fixed: z.array(z.string()).optional(),
  /** estimate: the agent's own proxy size estimate (LOC); PROBE is computed from it. */
  proxySize: finite.positive().optional(),
  /** define: how complete and clear the requirements are (0..1, default 1). */
  requirementQuality: z.number().min(0).max(1).optional(),
  tokens: z.strictObject({ in: z.number().int().nonnegative(), out: z.number().int().nonnegative() }).optional(),
  costUsd: finite.nonnegative().optional(),
  /** Name and version of the agent, recorded as the step's actor (`command:<name>@<version>`). */
  agent: z.strictObject({ name: z.string().min(1).max(80), version: z.string().min(1).max(40) }).optional(),
});
export type AgentResponse = z.output<typeof AgentResponseSchema>;
export type AgentResponseInput = z.input<typeof AgentResponseSchema>;
