import { z } from 'zod';
import { CommandAgentSchema } from './agent-spec.ts';
import { LIMITS as L, MAX_TIMER_MS } from './scenario-limits.ts';

/**
 * The scenario file format. Everything optional has a documented default;
 * `Scenario` (z.output) is the resolved, complete form the engine uses.
 */
/** A finite number > 0 (or ≥ 0) up to the model's range. */
const positive = (max: number) => z.number().positive().max(max);
const nonNegative = (max: number) => z.number().nonnegative().max(max);
const probability = z.number().min(0).max(1);
const count = (max: number) => z.number().int().nonnegative().max(max);
const text = (max: number) => z.string().min(1).max(max, `at most ${max} characters`);
const minutes = positive(L.minutes);
const sigma = nonNegative(L.sigma);
const loc = positive(L.sizeLoc);

export const RELATIVE_SIZES = ['VS', 'S', 'M', 'L', 'VL'] as const;

export const JordanModelSchema = z.strictObject({
  /** Median minutes to write the requirements of a task. */
  defineMinutes: minutes.default(30),
  /** 0..1; poor requirements raise Alex's defect injection (up to +50%). */
  requirementQuality: probability.default(0.85),
  /** Chance that an acceptance test finds each latent defect left after review. */
  acceptanceYield: probability.default(0.5),
  /** Jordan rejects the task when acceptance finds more defects than this. */
  rejectThreshold: count(L.defectThreshold).default(2),
  /** Minutes per acceptance test session (median). */
  acceptMinutes: minutes.default(20),
});

export const AlexModelSchema = z.strictObject({
  /** Median productivity in added & modified LOC per hour. */
  productivity: positive(L.locPerHour).default(12),
  /** Spread (sigma of the underlying normal) of productivity. */
  productivitySigma: sigma.default(0.25),
  /** Median ratio of actual added & modified size to true proxy size. */
  sizeGrowth: positive(L.ratio).default(1.6),
  sizeGrowthSigma: sigma.default(0.25),
  /** Multiplier on the proxy size Alex estimates (1 = unbiased, 0.8 = underestimates). */
  estimationBias: positive(L.ratio).default(0.9),
  estimationSigma: sigma.default(0.2),
  /** Latent defects injected per KLOC of added & modified code. */
  defectRate: nonNegative(L.defectsPerKloc).default(40),
  /** Median minutes to fix one defect found in review. */
  fixMinutes: minutes.default(15),
  /** Chance that fixing a defect injects a new one. */
  badFixRate: probability.default(0.08),
  /** Minutes Alex spends planning with PROBE. */
  planMinutes: minutes.default(20),
  /** Chance that one attempt of an Alex step fails transiently (exercises retries). */
  transientFailureRate: probability.default(0),
});

export const SarahModelSchema = z.strictObject({
  /** Review rate in LOC per hour. */
  reviewRate: positive(L.reviewLocPerHour).default(200),
  /** Chance to find each latent defect in one review. */
  reviewYield: probability.default(0.6),
  /** Sarah asks for changes when she finds more than this many defects. */
  approveThreshold: count(L.defectThreshold).default(0),
  /** Chance that a clean review still asks for changes (style, design). */
  nitpickRate: probability.default(0),
});

/** Token and cost rates: zero for human personas, set for AI-agent personas. */
export const CostModelSchema = z.strictObject({
  ai: z.boolean().default(false),
  tokensInPerMinute: nonNegative(L.tokensPerMinute).default(0),
  tokensOutPerMinute: nonNegative(L.tokensPerMinute).default(0),
  usdPer1kTokensIn: nonNegative(L.usdPer1kTokens).default(0),
  usdPer1kTokensOut: nonNegative(L.usdPer1kTokens).default(0),
});

/** Who acts as a persona: the simulated model (default) or an external command (see src/agents/command-protocol.ts). */
export const AgentSpecSchema = z.union([z.literal('simulated'), CommandAgentSchema]).default('simulated');

export const PersonasSchema = z
  .strictObject({
    jordan: JordanModelSchema.extend({ cost: CostModelSchema.prefault({}), agent: AgentSpecSchema }).prefault({}),
    alex: AlexModelSchema.extend({ cost: CostModelSchema.prefault({}), agent: AgentSpecSchema }).prefault({}),
    sarah: SarahModelSchema.extend({ cost: CostModelSchema.prefault({}), agent: AgentSpecSchema }).prefault({}),
  })
  .prefault({});

export const HistoryPointSchema = z
  .strictObject({
    proxySize: loc,
    planSize: loc.optional(),
    actualSize: loc,
    actualHours: positive(L.hours).optional(),
    actualMinutes: positive(L.hours * 60).optional(),
  })
  .refine((p) => p.actualHours !== undefined || p.actualMinutes !== undefined, {
    message: 'give actualHours or actualMinutes',
  });

export const HistoricalPartSchema = z.strictObject({
  name: text(L.labelChars).optional(),
  type: text(L.labelChars),
  size: loc,
  items: z.number().int().positive().max(L.partItems).default(1),
});

export const PartSchema = z.strictObject({
  name: text(L.labelChars),
  type: text(L.labelChars),
  relativeSize: z.enum(RELATIVE_SIZES),
  items: z.number().int().positive().max(L.partItems).default(1),
});

const taskId = z
  .string()
  .max(63, 'at most 63 characters')
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter or digit');

export const TaskSchema = z
  .strictObject({
    id: taskId,
    title: text(L.titleChars),
    requirements: z.array(text(L.requirementChars)).max(L.requirementsPerTask, `at most ${L.requirementsPerTask} requirements`).default([]),
    parts: z.array(PartSchema).max(L.partsPerTask, `at most ${L.partsPerTask} parts`).optional(),
    proxySize: loc.optional(),
  })
  .refine((t) => (t.parts && t.parts.length > 0) || t.proxySize !== undefined, {
    message: 'a task needs `parts` (proxy parts) or a `proxySize`',
  });

export const GenerateSchema = z.strictObject({
  count: z.number().int().positive().max(L.generateCount),
  idPrefix: taskId.default('task'),
  /** Proxy sizes drawn log-normally (seeded). */
  proxySize: z.strictObject({ median: loc, sigma: sigma.default(0.5) }).prefault({ median: 150 }),
});

export const CycleSchema = z
  .strictObject({
    name: text(L.labelChars).optional(),
    tasks: z.array(TaskSchema).default([]),
    generate: GenerateSchema.optional(),
  })
  .refine((c) => c.tasks.length > 0 || c.generate !== undefined, {
    message: 'a cycle needs `tasks` or `generate`',
  });

export const WorkflowOptionsSchema = z
  .strictObject({
    maxReviewRounds: z.number().int().min(1).max(L.maxReviewRounds).default(3),
    /** Attempts per step (BullMQ retries with exponential backoff on transient errors). */
    stepAttempts: z.number().int().min(1).max(L.stepAttempts).default(3),
    stepBackoffMs: z.number().int().nonnegative().max(L.stepBackoffMs).default(100),
    /** Tasks in flight at once within a cycle. */
    concurrency: z.number().int().min(1).max(L.taskConcurrency).default(4),
    /** A step that takes longer than this fails the task (a Node timer: at most 2^31−1 ms). */
    stepTimeoutMs: z.number().int().positive().max(L.stepTimeoutMs, `at most ${L.stepTimeoutMs} ms (2^31−1, the longest timer Node keeps)`).default(120_000),
    /** Real-time pacing: each persona step takes at least this many real milliseconds (0: virtual time only). */
    pacingMs: z.number().int().nonnegative().max(L.pacingMs).default(0),
    /** A Redis outage longer than this stops the run (resume it later with --resume). */
    redisOutageMs: z.number().int().positive().max(L.redisOutageMs, `at most ${L.redisOutageMs} ms (2^31−1, the longest timer Node keeps)`).default(30_000),
  })
  .refine((w) => w.stepBackoffMs * 2 ** Math.max(0, w.stepAttempts - 2) <= MAX_TIMER_MS, {
    message: `the last retry would wait stepBackoffMs × 2^(stepAttempts−2) ms, more than ${MAX_TIMER_MS} ms; lower stepBackoffMs or stepAttempts`,
    path: ['stepBackoffMs'],
  });

export const ListenerOptionsSchema = z.strictObject({
  perPersona: z.number().int().min(1).max(L.listenersPerPersona).default(1),
  concurrency: z.number().int().min(1).max(L.listenerConcurrency).default(4),
});

export const ScenarioSchema = z.strictObject({
  name: text(L.nameChars),
  description: z.string().max(L.descriptionChars, `at most ${L.descriptionChars} characters`).optional(),
  /** A whole number or a text, used exactly as given ("007" is not 7). */
  seed: z.union([z.number().int(), text(L.seedChars)]).default(1),
  runtime: z.enum(['process', 'docker', 'compose']).default('process'),
  workspace: z.enum(['git', 'none']).default('git'),
  workflow: WorkflowOptionsSchema.prefault({}),
  listeners: ListenerOptionsSchema.prefault({}),
  personas: PersonasSchema,
  history: z
    .strictObject({
      points: z.array(HistoryPointSchema).max(L.historyPoints).default([]),
      parts: z.array(HistoricalPartSchema).max(L.historyPoints).default([]),
    })
    .prefault({}),
  cycles: z.array(CycleSchema).min(1, 'a scenario needs at least one cycle'),
  /** Threshold expressions checked by `asp regress` (see README). */
  expect: z.array(text(L.expectChars)).max(L.expectations).default([]),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
export type TaskSpec = z.output<typeof TaskSchema>;
export type PartSpec = z.output<typeof PartSchema>;
export type PersonaModels = Scenario['personas'];
export type JordanModel = PersonaModels['jordan'];
export type AlexModel = PersonaModels['alex'];
export type SarahModel = PersonaModels['sarah'];
export type CostModel = z.output<typeof CostModelSchema>;
export type AgentSpec = z.output<typeof AgentSpecSchema>;
