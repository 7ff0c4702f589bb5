import type { PersonaName } from '../personas.ts';

/**
 * Where persona listeners run. One implementation per file
 * (process-runtime.ts, docker-runtime.ts, compose-runtime.ts), chosen by
 * runtime-factory.ts. Process and docker start the same listener
 * (`asp listen --persona <name>`) per run with the persona's identity
 * environment; compose uses the standing listeners of the compose stack.
 */
export type RuntimeKind = 'process' | 'docker' | 'compose';
export const RUNTIME_KINDS: readonly RuntimeKind[] = ['process', 'docker', 'compose'];

/**
 * Standing listeners that serve every run (the compose stack): the run uses
 * their Redis and their fixed queue prefix (the run id is in each job), makes
 * no Redis users of its own and leaves the shared queues in place.
 */
export interface StandingListeners {
  redisUrl: string;
  queuePrefix: string;
}

export interface RuntimeStartOptions {
  runId: string;
  redisUrl: string;
  /**
   * Per persona, a file holding the Redis URL its listeners use (their own ACL
   * user, see persona-credentials.ts). Given to a listener as ASP_REDIS_URL_FILE
   * (a container mounts it as a secret) instead of ASP_REDIS_URL; personas
   * without a file get `redisUrl`.
   */
  redisUrlFiles?: Partial<Record<PersonaName, string>>;
  /** A file holding the API key (the run's ASP_API_KEY_FILE): every listener reads it; a command agent gets it as OPENAI_API_KEY. */
  apiKeyFile?: string;
  queuePrefix: string;
  personas: readonly PersonaName[];
  /** Listener processes (or containers) per persona. */
  listenersPerPersona: number;
  /** Jobs one listener processes at once. */
  concurrency: number;
  /** Host path of the shared workspace root. */
  workspaceRoot: string;
  /** Directory for per-listener files (HOME, logs). */
  runDir: string;
  /** Receives each log line a listener prints (already parsed JSON when possible). */
  onLog?: (persona: PersonaName, line: Record<string, unknown> | string) => void;
  /** Called when a listener dies unexpectedly; the runtime restarts it. */
  onListenerExit?: (persona: PersonaName, info: { code: number | null; signal: string | null }) => void;
  /**
   * Called once when a persona has no live listener left and none will be
   * restarted (each used up its restarts); `lastExit` says how the last one ended.
   * The run cannot go on: it stops resumably instead of failing the persona's tasks.
   */
  onPersonaDown?: (persona: PersonaName, lastExit: string) => void;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface ListenerInfo {
  persona: PersonaName;
  id: string;
  pid?: number;
  containerId?: string;
}

export interface AgentRuntime {
  readonly kind: RuntimeKind;
  /**
   * Runtimes with standing listeners: finds them before the run writes
   * anything (a missing one is bad environment, exit 2).
   */
  attach?(options: { redisUrl?: string }): Promise<StandingListeners>;
  /** Starts every listener and resolves once each one reported ready. */
  start(options: RuntimeStartOptions): Promise<void>;
  listeners(): ListenerInfo[];
  /** Graceful stop (SIGTERM, grace period, then force). Safe to call twice. */
  close(): Promise<void>;
}
