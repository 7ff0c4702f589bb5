import type { PersonaName } from '../personas.ts';
import { waitForListeners } from '../queue/listener-registry.ts';
import type { DockerClient } from './docker-client.ts';
import { DEFAULT_IMAGE } from './docker-listener-spec.ts';

export interface ReadyWaitOptions {
  redisUrl: string;
  prefix: string;
  personas: readonly PersonaName[];
  perPersona: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** A reason when a listener died, else null. */
  isAlive: () => string | null;
}
export type ReadyWaiter = (options: ReadyWaitOptions) => Promise<void>;

/** Public options; every field is optional (defaults in brackets). */
export interface DockerRuntimeOptions {
  /** Image to run [ASP_DOCKER_IMAGE or asp-platform:latest]. */
  image?: string;
  /** 'auto' builds the image when missing or stale (docker/build-image.sh); 'never' uses it as is ['auto']. */
  build?: 'auto' | 'never';
  /** Build from the registry-free base [undefined: the build script detects it; ASP_OFFLINE=1 means true]. */
  offline?: boolean;
  /** Container user "uid:gid" [1000:1000; a non-root host user other than 1000 gets its own uid:gid]. */
  user?: string;
  /** Seconds between SIGTERM and SIGKILL when stopping a container [10]. */
  stopGraceSeconds?: number;
  /** Restarts of a listener that dies after it was ready [3]. */
  maxRestarts?: number;
  /** Remove containers of crashed runs at start [true]. */
  reapOrphans?: boolean;
  /** Stop and remove the containers on SIGINT/SIGTERM, then let the signal go on [true]. */
  handleSignals?: boolean;
  /** The listener command [node dist/cli/entry.js listen --persona <p>]. */
  command?: (persona: PersonaName, listenerId: string) => string[];
  /** Readiness check [waitForListeners: Redis heartbeats]. */
  waitReady?: ReadyWaiter;
  client?: DockerClient;
  /** Progress lines (image build, reaped orphans) [dropped]. */
  onProgress?: (line: string) => void;
}

/** The options with every default filled in (resolved once, at construction). */
export interface ResolvedOptions {
  image: string;
  build: 'auto' | 'never';
  offline: boolean | undefined;
  user: string;
  stopGraceSeconds: number;
  maxRestarts: number;
  reapOrphans: boolean;
  handleSignals: boolean;
  command: (persona: PersonaName, listenerId: string) => string[];
  waitReady: ReadyWaiter;
  onProgress: (line: string) => void;
}

function defaultUser(): string {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === undefined || gid === undefined || uid === 0 || uid === 1000) return '1000:1000';
  return `${uid}:${gid}`;
}

export function resolveOptions(o: DockerRuntimeOptions): ResolvedOptions {
  return {
    image: o.image ?? process.env.ASP_DOCKER_IMAGE ?? DEFAULT_IMAGE,
    build: o.build ?? 'auto',
    offline: o.offline ?? (process.env.ASP_OFFLINE === '1' ? true : undefined),
    user: o.user ?? defaultUser(),
    stopGraceSeconds: o.stopGraceSeconds ?? 10,
    maxRestarts: o.maxRestarts ?? 3,
    reapOrphans: o.reapOrphans ?? true,
    handleSignals: o.handleSignals ?? true,
    command: o.command ?? ((persona) => ['node', 'dist/cli/entry.js', 'listen', '--persona', persona]),
    waitReady:
      o.waitReady ??
      (async (w) => {
        await waitForListeners(w.redisUrl, w.prefix, w.personas, w.perPersona, {
          timeoutMs: w.timeoutMs,
          signal: w.signal,
          isAlive: w.isAlive,
        });
      }),
    onProgress: o.onProgress ?? (() => undefined),
  };
}
