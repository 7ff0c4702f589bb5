import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger } from '../logger.ts';
import { PERSONA_IDENTITIES } from '../personas.ts';
import { PersonaListener } from '../queue/persona-listener.ts';
import { readSecretEnv } from '../runtime/persona-credentials.ts';
import { DEFAULT_REDIS_URL } from '../runtime/private-redis.ts';
import type { CommandIo } from './main.ts';
import { usageError } from './main.ts';

const ListenerEnvSchema = z.object({
  ASP_PERSONA: z.enum(['jordan', 'alex', 'sarah']),
  ASP_REDIS_URL: z.string().url().default(DEFAULT_REDIS_URL),
  ASP_QUEUE_PREFIX: z.string().min(1).default('asp'),
  ASP_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  ASP_LISTENER_ID: z.string().min(1).optional(),
  ASP_RUN_ID: z.string().optional(),
  ASP_WORKSPACE_ROOT: z.string().optional(),
  ASP_IN_CONTAINER: z.string().optional(),
  ASP_USER_ID: z.string().optional(),
});

/**
 * `asp listen [--persona alex]`: one persona's listener. Configuration comes
 * from the environment the runtime (process or container) gives it. Logs are
 * JSON lines on stdout. SIGTERM/SIGINT: stop taking jobs, finish the active
 * ones, exit; a second signal abandons them (BullMQ hands them to another
 * listener once they stall).
 */
/** How long a listener may take to finish its active jobs when told to stop. */
const STOP_GRACE_MS = 15_000;

export async function runListenCommand(argv: string[], _io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { persona: { type: 'string' } }, strict: true });
  // ASP_REDIS_URL_FILE (the persona's own credentials, a 0600 file or a container secret) wins over ASP_REDIS_URL.
  let redisUrl: string | undefined;
  try {
    redisUrl = readSecretEnv(process.env, 'ASP_REDIS_URL');
  } catch (err) {
    throw usageError(`cannot read ASP_REDIS_URL_FILE ${process.env.ASP_REDIS_URL_FILE ?? ''} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'the runtime writes that file before it starts the listener; check the path and its permissions');
  }
  const env = ListenerEnvSchema.safeParse({ ...process.env, ASP_REDIS_URL: redisUrl, ...(values.persona ? { ASP_PERSONA: values.persona } : {}) });
  if (!env.success) {
    throw usageError(`listener configuration is invalid: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'set ASP_PERSONA (jordan|alex|sarah) or pass --persona');
  }
  const cfg = env.data;
  const identity = PERSONA_IDENTITIES[cfg.ASP_PERSONA];
  const listenerId = cfg.ASP_LISTENER_ID ?? `${cfg.ASP_PERSONA}-${process.pid}`;
  const workspaceRoot = cfg.ASP_IN_CONTAINER === 'true' ? '/app/workspaces' : (cfg.ASP_WORKSPACE_ROOT ?? 'workspaces');
  const logger = createLogger({
    base: { component: 'listener', persona: cfg.ASP_PERSONA, listenerId, ...(cfg.ASP_RUN_ID ? { runId: cfg.ASP_RUN_ID } : {}) },
    file: undefined,
  }).child({});
  const listener = new PersonaListener({
    persona: cfg.ASP_PERSONA,
    listenerId,
    userId: cfg.ASP_USER_ID ?? identity.userId,
    redisUrl: cfg.ASP_REDIS_URL,
    prefix: cfg.ASP_QUEUE_PREFIX,
    concurrency: cfg.ASP_CONCURRENCY,
    workspaceRoot,
    logger,
  });
  await listener.start();
  return new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (why: string) => {
      signals++;
      if (signals > 1) {
        logger.warn({ why }, 'stopping now, abandoning active jobs (they stall and go to another listener)');
        process.exit(130);
      }
      logger.info({ why }, 'stopping: finishing active jobs');
      // Bounded: with Redis gone a graceful close could wait forever.
      setTimeout(() => {
        logger.warn('graceful stop took too long; exiting');
        process.exit(1);
      }, STOP_GRACE_MS).unref();
      listener.close(false).then(
        () => {
          // The IPC channel to the parent would keep this process alive.
          if (process.connected) process.disconnect();
          resolve(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'listener stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // A parent that dies (even by SIGKILL) closes the IPC channel: do not outlive it.
    if (process.channel) process.on('disconnect', () => stop('parent exited'));
  });
}
