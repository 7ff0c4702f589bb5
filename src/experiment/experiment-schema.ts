import { z } from 'zod';

/**
 * The experiment file format (scenarios/experiments/*.yaml):
 *
 *   name: Review yield
 *   scenario: ../six-cycles.yaml        # the base scenario, relative to this file
 *   seeds: 30                           # or a list: [1, 2, 3]
 *   vary:                               # a grid: every combination is a variant
 *     personas.sarah.reviewYield: [0.5, 0.6, 0.7, 0.8]
 *   baseline: { personas.sarah.reviewYield: 0.6 }   # default: the first value of each path
 *   metrics: [escaped_defects, review_rounds.avg]   # default: DEFAULT_METRICS
 *   set: { workspace: none }            # applied to every variant before `vary:`
 *   forecast: { by: 30d, hoursPerDay: 8 }
 *   expect: ["escaped_defects.change < 0"]
 *
 * With no `vary:` the experiment is a forecast: one variant, many seeds.
 */
const seed = z.union([z.number().int(), z.string().min(1)]);

export const ForecastOptionsSchema = z.strictObject({
  /** A deadline as a duration from the start: `30d`, `6w`, `120h` (working time). */
  by: z
    .string()
    .regex(/^\d+(?:\.\d+)?\s*[hdw]$/, 'write a duration like 30d, 6w or 120h')
    .optional(),
  /** Working hours in a day of the simulated calendar. */
  hoursPerDay: z.number().positive().max(24).default(8),
});

export const ExperimentSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.string().min(1),
  seeds: z.union([z.number().int().min(2).max(100_000), z.array(seed).min(2).max(100_000)]).default(30),
  vary: z.record(z.string(), z.array(z.unknown()).min(1, 'give at least one value').max(1000)).default({}),
  baseline: z.record(z.string(), z.unknown()).optional(),
  metrics: z.array(z.string().min(1)).min(1).optional(),
  set: z.record(z.string(), z.unknown()).default({}),
  forecast: ForecastOptionsSchema.prefault({}),
  expect: z.array(z.string().min(1)).default([]),
});

export type ExperimentInput = z.input<typeof ExperimentSchema>;
export type ExperimentFile = z.output<typeof ExperimentSchema>;
export type ForecastOptions = z.output<typeof ForecastOptionsSchema>;
