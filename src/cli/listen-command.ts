import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createLogger } from '../logger.ts';
import { identityEnv, PERSONA_IDENTITIES, type PersonaName } from '../personas.ts';
import { PersonaListener } from '../queue/persona-listener.ts';
import { readSecretEnv } from '../runtime/persona-credentials.ts';
import { DEFAULT_REDIS_URL } from '../runtime/private-redis.ts';
import { configureGitIdentity } from '../workspace/git-workspace.ts';
import { parseCommandArgs } from './command-args.ts';
import { usageError, type CommandIo } from './command-io.ts';

const ListenerEnvSchema = z.object({
  ASP_PERSONA: z.enum(['jordan', 'alex', 'sarah']),
  ASP_REDIS_URL: z.string().url().default(DEFAULT_REDIS_URL),
  ASP_QUEUE_PREFIX: z.string().min(1).default('asp'),
  ASP_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  ASP_LISTENER_ID: z.string().min(1).optional(),
  ASP_RUN_ID: z.string().optional(),
  ASP_WORKSPACE_ROOT: z.string().optional(),
  ASP_IN_CONTAINER: z.string().optional(),
});

/** How long a listener may take to finish its active jobs when told to stop. */
const STOP_GRACE_MS = 15_000;

const HELP = `usage: asp listen [--persona jordan|alex|sarah]

Runs one persona's listener: takes the persona's jobs from its queue, runs its
agent and commits to the shared workspace as that persona. The runtimes start
listeners (process: child processes; docker: containers); you can also start
one by hand against a run's queues.

Identity comes from the persona table (src/personas.ts), whoever starts the
listener: git author and committer (e.g. "Alex Dev <alex@example.com>"),
telemetry user and role. A listener started by hand (no ASP_LISTENER_ID) gets
its own HOME with that git identity (<tmp>/asp-listener-home-<uid>/<persona>),
so the host's git configuration is never used.

Environment: ASP_PERSONA (or --persona), ASP_REDIS_URL or ASP_REDIS_URL_FILE
(default ${DEFAULT_REDIS_URL}), ASP_QUEUE_PREFIX (asp), ASP_CONCURRENCY (4),
ASP_WORKSPACE_ROOT (workspaces), ASP_RUN_ID, ASP_LISTENER_ID, ASP_LOG_LEVEL.
Logs are JSON lines on stderr.

Stopping: SIGTERM or SIGINT stops taking jobs and finishes the active ones,
then exits 0. A second signal while jobs are still active abandons them (they
stall and BullMQ hands them to another listener) and exits 130. Under the
process runtime the terminal's Ctrl-C is left to the runner, which drains its
steps and then stops its listeners.
  exit 0    stopped when asked
  exit 2    bad configuration (persona, Redis URL file)
  exit 3    could not stop within ${STOP_GRACE_MS / 1000} s (is Redis gone?); active jobs abandoned
  exit 130  a second signal abandoned active jobs
`;

/**
 * The persona's identity for this process, from the persona table whatever
 * the environment says: git author/committer, telemetry user, role. A
 * listener no runtime started gets a HOME of its own with that identity.
 */
async function adoptIdentity(persona: PersonaName): Promise<void> {
  Object.assign(process.env, identityEnv(persona));
  if (process.env.ASP_LISTENER_ID) return; // the runtime gave it a HOME with this identity
  const home = join(tmpdir(), `asp-listener-home-${userInfo().uid}`, persona);
  await configureGitIdentity(home, PERSONA_IDENTITIES[persona].gitName, PERSONA_IDENTITIES[persona].gitEmail);
  process.env.HOME = home;
}

export async function runListenCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('listen', argv, { persona: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  // ASP_REDIS_URL_FILE (the persona's own credentials, a 0600 file or a container secret) wins over ASP_REDIS_URL.
  let redisUrl: string | undefined;
  try {
    redisUrl = readSecretEnv(process.env, 'ASP_REDIS_URL');
  } catch (err) {
    throw usageError(
      `cannot read ASP_REDIS_URL_FILE ${process.env.ASP_REDIS_URL_FILE ?? ''} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'the runtime writes that file before it starts the listener; check the path and its permissions',
    );
  }
  // The persona's API key (a 0600 file or a container secret): only a command agent gets it, as OPENAI_API_KEY.
  let apiKey: string | undefined;
  try {
    apiKey = readSecretEnv(process.env, 'ASP_API_KEY');
  } catch (err) {
    throw usageError(
      `cannot read ASP_API_KEY_FILE ${process.env.ASP_API_KEY_FILE ?? ''} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'check the path and its permissions (the runtime mounts it for the persona)',
    );
  }
  const env = ListenerEnvSchema.safeParse({ ...process.env, ASP_REDIS_URL: redisUrl, ...(values.persona ? { ASP_PERSONA: values.persona } : {}) });
  if (!env.success) {
    throw usageError(`listener configuration is invalid: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'set ASP_PERSONA (jordan|alex|sarah) or pass --persona');
  }
  const cfg = env.data;
  const identity = PERSONA_IDENTITIES[cfg.ASP_PERSONA];
  await adoptIdentity(cfg.ASP_PERSONA);
  const listenerId = cfg.ASP_LISTENER_ID ?? `${cfg.ASP_PERSONA}-${process.pid}`;
  const workspaceRoot = cfg.ASP_IN_CONTAINER === 'true' ? '/app/workspaces' : (cfg.ASP_WORKSPACE_ROOT ?? 'workspaces');
  const logger = createLogger({
    base: { component: 'listener', persona: cfg.ASP_PERSONA, listenerId, ...(cfg.ASP_RUN_ID ? { runId: cfg.ASP_RUN_ID } : {}) },
    file: undefined,
  }).child({});
  const listener = new PersonaListener({
    persona: cfg.ASP_PERSONA,
    listenerId,
    userId: identity.userId,
    redisUrl: cfg.ASP_REDIS_URL,
    prefix: cfg.ASP_QUEUE_PREFIX,
    concurrency: cfg.ASP_CONCURRENCY,
    workspaceRoot,
    logger,
    ...(apiKey ? { apiKey } : {}),
  });
  // A child of the process runtime leaves the terminal's Ctrl-C to the runner, which drains and then stops it.
  const managed = Boolean(process.channel);
  let starting: Promise<void> = Promise.resolve();
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    let done = false;
    const stop = (why: string) => {
      if (done) return;
      if (stopping) {
        const active = listener.activeJobs;
        if (active === 0) return; // already stopping, nothing to abandon
        logger.warn({ why, activeJobs: active }, `stopping now, abandoning ${active} active job(s) (they stall and go to another listener)`);
        process.exit(130);
      }
      stopping = true;
      logger.info({ why, activeJobs: listener.activeJobs }, 'stopping: finishing active jobs');
      // Bounded: with Redis gone a graceful close could wait forever.
      setTimeout(() => {
        logger.warn({ activeJobs: listener.activeJobs }, 'graceful stop took too long (is Redis gone?); exiting, abandoning active jobs');
        process.exit(3);
      }, STOP_GRACE_MS).unref();
      starting
        .catch(() => undefined)
        .then(() => listener.close(false))
        .then(
          () => {
            done = true;
            // The IPC channel to the parent would keep this process alive.
            if (process.connected) process.disconnect();
            resolve(0);
          },
          (err: unknown) => {
            logger.error({ err }, 'listener stop failed');
            resolve(3);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => (managed ? logger.debug('SIGINT: the runner stops this listener when it has drained') : stop('SIGINT')));
    // A parent that dies (even by SIGKILL) closes the IPC channel: do not outlive it.
    if (process.channel) process.on('disconnect', () => stop('parent exited'));
  });
  starting = listener.start();
  await starting;
  return stopped;
}
