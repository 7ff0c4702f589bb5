/**
 * The bounds of every number and text that reaches a run: one source of truth
 * for the scenario schema and for the command-line options that override it
 * (this module imports nothing, so the CLI can use it without loading zod).
 */

/** Node runs a timer of more than 2^31−1 ms after 1 ms: no delay or timeout may exceed it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const LIMITS = {
  /** workflow.* */
  maxReviewRounds: 50,
  stepAttempts: 20,
  stepBackoffMs: 60_000,
  taskConcurrency: 10_000,
  stepTimeoutMs: MAX_TIMER_MS,
  pacingMs: 600_000,
  redisOutageMs: MAX_TIMER_MS,
  /** listeners.* */
  listenersPerPersona: 64,
  listenerConcurrency: 256,
  /** Texts (characters). */
  nameChars: 200,
  descriptionChars: 10_000,
  titleChars: 1_000,
  requirementChars: 4_000,
  requirementsPerTask: 500,
  partsPerTask: 500,
  labelChars: 200,
  seedChars: 200,
  expectChars: 500,
  expectations: 200,
  historyPoints: 100_000,
  /** Generated tasks per cycle. */
  generateCount: 1_000_000,
  /** Model ranges (the persona model is meaningless beyond them). */
  minutes: 100_000,
  locPerHour: 10_000,
  reviewLocPerHour: 100_000,
  sigma: 3,
  ratio: 100,
  defectsPerKloc: 1_000,
  /** Defects (a count) Jordan or Sarah tolerate before rejecting / asking for changes. */
  defectThreshold: 10_000,
  tokensPerMinute: 10_000_000,
  usdPer1kTokens: 1_000,
  /** Proxy, planned and actual sizes in LOC. */
  sizeLoc: 10_000_000,
  hours: 1_000_000,
  partItems: 10_000,
} as const;
