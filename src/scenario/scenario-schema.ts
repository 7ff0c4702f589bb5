import { z } from 'zod';
import { CommandAgentSchema } from './agent-spec.ts';

/**
 * The scenario file format. Everything optional has a documented default;
 * `Scenario` (z.output) is the resolved, complete form the engine uses.
 */
const positive = z.number().positive().finite();
const nonNegative = z.number().nonnegative().finite();
const probability = z.number().min(0).max(1);

export const RELATIVE_SIZES = ['VS', 'S', 'M', 'L', 'VL'] as const;

export const JordanModelSchema = z.strictObject({
  /** Median minutes to write the requirements of a task. */
  defineMinutes: positive.default(30),
  /** 0..1; poor requirements raise Alex's defect injection (up to +50%). */
  requirementQuality: probability.default(0.85),
  /** Chance that an acceptance test finds each latent defect left after review. */
  acceptanceYield: probability.default(0.5),
  /** Jordan rejects the task when acceptance finds more defects than this. */
  rejectThreshold: z.number().int().nonnegative().default(2),
  /** Minutes per acceptance test session (median). */
  acceptMinutes: positive.default(20),
});

export const AlexModelSchema = z.strictObject({
  /** Median productivity in added & modified LOC per hour. */
  productivity: positive.default(12),
  /** Spread (sigma of the underlying normal) of productivity. */
  productivitySigma: nonNegative.default(0.25),
  /** Median ratio of actual added & modified size to true proxy size. */
  sizeGrowth: positive.default(1.6),
  sizeGrowthSigma: nonNegative.default(0.25),
  /** Multiplier on the proxy size Alex estimates (1 = unbiased, 0.8 = underestimates). */
  estimationBias: positive.default(0.9),
  estimationSigma: nonNegative.default(0.2),
  /** Latent defects injected per KLOC of added & modified code. */
  defectRate: nonNegative.default(40),
  /** Median minutes to fix one defect found in review. */
  fixMinutes: positive.default(15),
  /** Chance that fixing a defect injects a new one. */
  badFixRate: probability.default(0.08),
  /** Minutes Alex spends planning with PROBE. */
  planMinutes: positive.default(20),
  /** Chance that one attempt of an Alex step fails transiently (exercises retries). */
  transientFailureRate: probability.default(0),
});

export const SarahModelSchema = z.strictObject({
  /** Review rate in LOC per hour. */
  reviewRate: positive.default(200),
  /** Chance to find each latent defect in one review. */
  reviewYield: probability.default(0.6),
  /** Sarah asks for changes when she finds more than this many defects. */
  approveThreshold: z.number().int().nonnegative().default(0),
  /** Chance that a clean review still asks for changes (style, design). */
  nitpickRate: probability.default(0),
});

/** Token and cost rates: zero for human personas, set for AI-agent personas. */
export const CostModelSchema = z.strictObject({
  ai: z.boolean().default(false),
  tokensInPerMinute: nonNegative.default(0),
  tokensOutPerMinute: nonNegative.default(0),
  usdPer1kTokensIn: nonNegative.default(0),
  usdPer1kTokensOut: nonNegative.default(0),
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
    proxySize: positive,
    planSize: positive.optional(),
    actualSize: positive,
    actualHours: positive.optional(),
    actualMinutes: positive.optional(),
  })
  .refine((p) => p.actualHours !== undefined || p.actualMinutes !== undefined, {
    message: 'give actualHours or actualMinutes',
  });

export const HistoricalPartSchema = z.strictObject({
  name: z.string().optional(),
  type: z.string().min(1),
  size: positive,
  items: z.number().int().positive().default(1),
});

export const PartSchema = z.strictObject({
  name: z.string().min(1),
  type: z.string().min(1),
  relativeSize: z.enum(RELATIVE_SIZES),
  items: z.number().int().positive().default(1),
});

const taskId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter or digit');

export const TaskSchema = z
  .strictObject({
    id: taskId,
    title: z.string().min(1),
    requirements: z.array(z.string().min(1)).default([]),
    parts: z.array(PartSchema).optional(),
    proxySize: positive.optional(),
  })
  .refine((t) => (t.parts && t.parts.length > 0) || t.proxySize !== undefined, {
    message: 'a task needs `parts` (proxy parts) or a `proxySize`',
  });

export const GenerateSchema = z.strictObject({
  count: z.number().int().positive().max(1_000_000),
  idPrefix: taskId.default('task'),
  /** Proxy sizes drawn log-normally (seeded). */
  proxySize: z.strictObject({ median: positive, sigma: nonNegative.default(0.5) }).prefault({ median: 150 }),
});

export const CycleSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    tasks: z.array(TaskSchema).default([]),
    generate: GenerateSchema.optional(),
  })
  .refine((c) => c.tasks.length > 0 || c.generate !== undefined, {
    message: 'a cycle needs `tasks` or `generate`',
  });

export const WorkflowOptionsSchema = z.strictObject({
  maxReviewRounds: z.number().int().min(1).max(50).default(3),
  /** Attempts per step (BullMQ retries with exponential backoff on transient errors). */
  stepAttempts: z.number().int().min(1).max(20).default(3),
  stepBackoffMs: z.number().int().nonnegative().default(100),
  /** Tasks in flight at once within a cycle. */
  concurrency: z.number().int().min(1).max(10_000).default(4),
  /** A step that takes longer than this fails the task. */
  stepTimeoutMs: z.number().int().positive().default(120_000),
  /** Real-time pacing: each persona step takes at least this many real milliseconds (0: virtual time only). */
  pacingMs: z.number().int().nonnegative().max(600_000).default(0),
  /** A Redis outage longer than this stops the run (resume it later with --resume). */
  redisOutageMs: z.number().int().positive().default(30_000),
});

export const ListenerOptionsSchema = z.strictObject({
  perPersona: z.number().int().min(1).max(64).default(1),
  concurrency: z.number().int().min(1).max(256).default(4),
});

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  seed: z.union([z.number().int(), z.string().min(1)]).default(1),
  runtime: z.enum(['process', 'docker']).default('process'),
  workspace: z.enum(['git', 'none']).default('git'),
  workflow: WorkflowOptionsSchema.prefault({}),
  listeners: ListenerOptionsSchema.prefault({}),
  personas: PersonasSchema,
  history: z
    .strictObject({
      points: z.array(HistoryPointSchema).default([]),
      parts: z.array(HistoricalPartSchema).default([]),
    })
    .prefault({}),
  cycles: z.array(CycleSchema).min(1, 'a scenario needs at least one cycle'),
  /** Threshold expressions checked by `asp regress` (see README). */
  expect: z.array(z.string().min(1)).default([]),
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
