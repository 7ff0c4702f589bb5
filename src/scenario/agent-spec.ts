import { z } from 'zod';

/**
 * `personas.<name>.agent: { kind: command, ... }`: the persona is an external
 * program that speaks the JSON-lines protocol of src/agents/command-protocol.ts.
 *
 * `env` entries: `NAME` passes NAME through from the persona's own environment
 * (its process or container) when set there; `NAME=value` sets it. Nothing
 * else of that environment reaches the command, and the names the listener
 * sets itself (identity, HOME, OPENAI_API_KEY, ASP_*) may not be given.
 */
const RESERVED = /^(ASP_|GIT_AUTHOR_|GIT_COMMITTER_|OPENAI_API_KEY$|HOME$)/;

const envEntry = z
  .string()
  .max(4096, 'at most 4096 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(=.*)?$/s, 'NAME (passed through from the persona environment) or NAME=value')
  .refine((e) => !RESERVED.test(e.split('=')[0] ?? ''), { message: 'the listener sets this variable itself (identity, HOME, OPENAI_API_KEY, ASP_*)' });

export const CommandAgentSchema = z.strictObject({
  kind: z.literal('command'),
  /** argv; an argument starting with `./` is resolved against the listener's directory (the repository, /app in the image). */
  command: z.array(z.string().min(1).max(4096, 'at most 4096 characters')).min(1).max(256),
  /** One step may take this long (wall clock), then the command is killed and the step fails. */
  timeoutMs: z.number().int().positive().max(3_600_000).default(300_000),
  env: z.array(envEntry).max(100).default([]),
  /** Simulated minutes per wall-clock minute of the step: an agent that works 20x faster than a person has 20. */
  timeFactor: z.number().positive().max(10_000).default(1),
  /** A response line longer than this fails the step. */
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .default(1024 * 1024),
});
export type CommandAgentSpec = z.output<typeof CommandAgentSchema>;
