import { AspError } from '../errors.ts';
import { redactUrl } from '../logger.ts';
import { PERSONA_IDENTITIES, WORKER_PERSONAS } from '../personas.ts';
import { pingRedis } from '../queue/bullmq-driver.ts';
import { liveListeners, type ListenerBeat } from '../queue/listener-registry.ts';
import type { AgentRuntime, ListenerInfo, RuntimeStartOptions, StandingListeners } from './agent-runtime.ts';
import { COMPOSE_QUEUE_PREFIX, COMPOSE_REDIS_PORT, hostRunnerUrl } from './compose-secrets.ts';
import { readSecretEnv } from './persona-credentials.ts';

const UP_HINT = 'start the stack with `docker compose up -d` (or `docker-compose up -d`) and wait until `docker compose ps` shows it healthy';

/**
 * The compose stack's standing listeners (asp-jordan, asp-alex, asp-sarah)
 * do a run's steps: nothing is started or stopped per run. The steps go to
 * the stack's fixed per-persona queues (`asp:<persona>`); each job carries
 * its run id and has a run-unique job id, and each run's dispatcher settles
 * only its own jobs, so several runs share the listeners without mixing.
 * Each listener keeps its own ACL user (its queue only); the runner connects
 * as `asp-runner`.
 *
 * The runner's Redis URL: `--redis`; else ASP_REDIS_URL_FILE / ASP_REDIS_URL
 * (inside asp-admin, where the entrypoint writes the runner's URL); else the
 * stack's port on the host's loopback (ASP_REDIS_PORT, default 6380) with the
 * password from `<ASP_SECRETS_DIR or secrets>/redis_password_runner`.
 */
export class ComposeRuntime implements AgentRuntime {
  readonly kind = 'compose' as const;
  private beats: ListenerBeat[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async attach(options: { redisUrl?: string }): Promise<StandingListeners> {
    const redisUrl = options.redisUrl ?? this.runnerUrl();
    const queuePrefix = this.env.ASP_QUEUE_PREFIX ?? COMPOSE_QUEUE_PREFIX;
    if (!(await pingRedis(redisUrl))) {
      throw new AspError('REDIS_UNAVAILABLE', `the compose stack's Redis does not answer (or refuses the runner's credentials) at ${redactUrl(redisUrl)}`, {
        exitCode: 2,
        hint: UP_HINT,
      });
    }
    this.beats = await liveListeners(redisUrl, queuePrefix);
    const missing = WORKER_PERSONAS.filter((p) => !this.beats.some((b) => b.persona === p));
    if (missing.length > 0) {
      const names = missing.map((p) => PERSONA_IDENTITIES[p].container).join(', ');
      throw new AspError('RUNTIME_FAILED', `no heartbeat from the standing listener${missing.length > 1 ? 's' : ''} ${names} (queue prefix "${queuePrefix}"): the run needs every persona`, {
        exitCode: 2,
        hint: UP_HINT,
      });
    }
    return { redisUrl, queuePrefix };
  }

  private runnerUrl(): string {
    const inside = readSecretEnv(this.env, 'ASP_REDIS_URL');
    if (inside) return inside;
    const port = Number(this.env.ASP_REDIS_PORT ?? COMPOSE_REDIS_PORT);
    return hostRunnerUrl(this.env.ASP_SECRETS_DIR ?? 'secrets', port);
  }

  /** Nothing to start: the standing listeners were found by attach(). */
  async start(_options: RuntimeStartOptions): Promise<void> {
    if (this.beats.length === 0) throw new AspError('INTERNAL', 'ComposeRuntime.start() before attach()');
  }

  listeners(): ListenerInfo[] {
    return this.beats.map((b) => ({ persona: b.persona, id: b.listenerId, pid: b.pid }));
  }

  /** The standing listeners stay up. */
  async close(): Promise<void> {}
}
