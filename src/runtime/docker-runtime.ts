import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { AspError, errorMessage, isAspError } from '../errors.ts';
import type { PersonaName } from '../personas.ts';
import type { AgentRuntime, ListenerInfo, RuntimeStartOptions } from './agent-runtime.ts';
import { DockerClient } from './docker-client.ts';
import { ensureImage } from './docker-image-builder.ts';
import {
  CONTAINER_API_KEY_FILE,
  CONTAINER_REDIS_URL_FILE,
  CONTAINER_WORKSPACE_ROOT,
  containerName,
  LABEL_LISTENER_ID,
  LABEL_MANAGED,
  LABEL_OWNER_HOST,
  LABEL_OWNER_PID,
  LABEL_PERSONA,
  LABEL_RUN_ID,
  listenerEnv,
  prepareRunWorkspace,
  stageApiKeyFile,
  stageRedisUrlFiles,
} from './docker-listener-spec.ts';
import { markRunClosed, markRunOpen, reapOrphans } from './docker-reaper.ts';
import { resolveOptions, type DockerRuntimeOptions, type ResolvedOptions } from './docker-runtime-options.ts';
import { parseListenerLine } from './listener-log-line.ts';
import { reclaimRunWorkspace } from './workspace-ownership.ts';

export type { DockerRuntimeOptions, ReadyWaiter, ReadyWaitOptions } from './docker-runtime-options.ts';

interface Slot {
  persona: PersonaName;
  index: number;
  listenerId: string;
  name: string;
  containerId: string;
  restarts: number;
  exitCode: number | null | undefined;
  tail: string[];
  stopLogs: () => void;
}

const TAIL_LINES = 20;

/**
 * Runs each persona listener in its own container of asp-platform:latest:
 * host networking (the listeners reach Redis on 127.0.0.1 like the host does),
 * the persona's identity in the environment, the host's workspace root
 * bind-mounted at /app/workspaces, a non-root user (1000 by default).
 *
 * Every container is labelled asp.managed=true, asp.run-id, asp.persona and its
 * owner (host, pid). At start, containers left by crashed runs are removed
 * (the reaper); close(), a failed start, an abort signal and SIGINT/SIGTERM
 * stop and remove this run's containers.
 */
export class DockerRuntime implements AgentRuntime {
  readonly kind = 'docker' as const;
  private readonly options: ResolvedOptions;
  private readonly client: DockerClient;
  private readonly host = hostname();
  private readonly slots: Slot[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly internal = new AbortController();
  private start_: RuntimeStartOptions | undefined;
  private ready = false;
  private launchedAny = false;
  private redisUrlFiles = new Map<PersonaName, string>();
  private apiKeyFile: string | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;
  /**
   * SIGINT/SIGTERM when nobody else handles them: stop and remove the
   * containers, then let the signal do what it would have done. When the
   * application has its own handler (the CLI drains in-flight steps first),
   * it decides, and closes this runtime.
   */
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (process.listenerCount(signal) > 1) return;
    void this.close()
      .catch(() => undefined)
      .finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  };
  /** The process exits (process.exit, a second Ctrl-C) with containers still up: remove them, synchronously. */
  private readonly onExit = (): void => {
    if (this.closed) return;
    const ids = this.slots.map((s) => s.containerId);
    if (ids.length > 0) spawnSync('docker', ['rm', '--force', ...ids], { stdio: 'ignore', timeout: 20_000 });
  };
  private readonly onAbort = (): void => {
    void this.close().catch(() => undefined);
  };

  constructor(options: DockerRuntimeOptions = {}) {
    this.options = resolveOptions(options);
    this.client = options.client ?? new DockerClient();
  }

  listeners(): ListenerInfo[] {
    return this.slots.map((s) => ({ persona: s.persona, id: s.listenerId, containerId: s.containerId }));
  }

  async start(o: RuntimeStartOptions): Promise<void> {
    if (this.start_) throw new AspError('INTERNAL', 'DockerRuntime.start() was called twice');
    if (this.closing) throw new AspError('INTERNAL', 'DockerRuntime.start() after close()');
    this.start_ = o;
    markRunOpen(o.runId);
    if (this.options.handleSignals) {
      process.on('SIGINT', this.onSignal);
      process.on('SIGTERM', this.onSignal);
      process.on('exit', this.onExit);
    }
    if (o.signal?.aborted) this.onAbort();
    o.signal?.addEventListener('abort', this.onAbort, { once: true });
    try {
      await this.client.ping();
      // Containers of crashed runs go while the image is checked (or built).
      const prepared = await Promise.allSettled([
        this.options.reapOrphans ? this.reapOrphans() : Promise.resolve([]),
        ensureImage({
          image: this.options.image,
          build: this.options.build,
          offline: this.options.offline,
          client: this.client,
          onProgress: this.options.onProgress,
          signal: this.internal.signal,
        }),
      ]);
      this.checkInterrupted();
      const unprepared = prepared.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (unprepared) throw unprepared.reason;
      await prepareRunWorkspace(resolve(o.workspaceRoot), o.runId, this.options.user);
      this.redisUrlFiles = await stageRedisUrlFiles(o, this.options.user);
      this.apiKeyFile = await stageApiKeyFile(o, this.options.user);
      const launches: Promise<void>[] = [];
      for (const persona of o.personas) {
        for (let i = 0; i < o.listenersPerPersona; i++) launches.push(this.launch(persona, i));
      }
      const results = await Promise.allSettled(launches);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      await this.options.waitReady({
        redisUrl: o.redisUrl,
        prefix: o.queuePrefix,
        personas: o.personas,
        perPersona: o.listenersPerPersona,
        timeoutMs: o.readyTimeoutMs ?? 90_000,
        signal: this.internal.signal,
        isAlive: () => this.deadListener(),
      });
      this.checkInterrupted();
      this.ready = true;
    } catch (err) {
      await this.close().catch(() => undefined);
      if (this.internal.signal.aborted && !isAspError(err)) {
        throw new AspError('INTERRUPTED', 'interrupted while starting the listener containers', { cause: err });
      }
      if (isAspError(err)) throw err;
      throw new AspError('RUNTIME_FAILED', `starting the listener containers failed: ${errorMessage(err)}`, {
        cause: err,
        hint: 'docker logs of the asp-<runId>-* containers tell more; docker/build-image.sh rebuilds the image',
      });
    }
  }

  private checkInterrupted(): void {
    if (this.internal.signal.aborted) throw new AspError('INTERRUPTED', 'interrupted while starting the listener containers');
  }

  private deadListener(): string | null {
    const dead = this.slots.find((s) => s.exitCode !== undefined);
    if (!dead) return null;
    const tail = dead.tail.length ? `; last output:\n  ${dead.tail.join('\n  ')}` : '';
    return `listener ${dead.persona} (container ${dead.name}) exited with code ${dead.exitCode ?? '?'} before it was ready${tail}`;
  }

  /** Creates and starts one listener container, follows its logs and watches its exit. */
  private launch(persona: PersonaName, index: number, restarts = 0, slot?: Slot): Promise<void> {
    const task = this.launchNow(persona, index, restarts, slot);
    this.pending.add(task);
    return task.finally(() => this.pending.delete(task));
  }

  private async launchNow(persona: PersonaName, index: number, restarts: number, existing?: Slot): Promise<void> {
    const o = this.start_;
    if (!o) throw new AspError('INTERNAL', 'launch before start');
    this.launchedAny = true;
    const listenerId = `docker-${persona}-${index + 1}`;
    const name = containerName(o.runId, persona, index, restarts);
    const urlFile = this.redisUrlFiles.get(persona);
    const containerId = await this.client.run({
      name,
      image: this.options.image,
      cmd: this.options.command(persona, listenerId),
      env: listenerEnv(o, persona, listenerId, urlFile !== undefined, this.apiKeyFile !== undefined),
      user: this.options.user,
      labels: {
        [LABEL_MANAGED]: 'true',
        [LABEL_RUN_ID]: o.runId,
        [LABEL_PERSONA]: persona,
        [LABEL_LISTENER_ID]: listenerId,
        [LABEL_OWNER_HOST]: this.host,
        [LABEL_OWNER_PID]: String(process.pid),
      },
      binds: [
        { host: resolve(o.workspaceRoot), container: CONTAINER_WORKSPACE_ROOT },
        ...(urlFile ? [{ host: urlFile, container: CONTAINER_REDIS_URL_FILE, readOnly: true }] : []),
        ...(this.apiKeyFile ? [{ host: this.apiKeyFile, container: CONTAINER_API_KEY_FILE, readOnly: true }] : []),
      ],
      networkMode: 'host',
      init: true,
    });
    const slot: Slot = existing ?? {
      persona,
      index,
      listenerId,
      name,
      containerId,
      restarts,
      exitCode: undefined,
      tail: [],
      stopLogs: () => undefined,
    };
    Object.assign(slot, { name, containerId, restarts, exitCode: undefined });
    if (!existing) this.slots.push(slot);
    if (this.closing) return; // close() is waiting for this launch and removes the container
    const logs = await this.client.followLogs(containerId, (_stream, line) => {
      slot.tail.push(line);
      if (slot.tail.length > TAIL_LINES) slot.tail.shift();
      o.onLog?.(persona, parseListenerLine(line));
    });
    slot.stopLogs = logs.stop;
    void this.client
      .wait(containerId)
      .then((code) => this.exited(slot, containerId, code))
      .catch(() => undefined);
  }

  private async exited(slot: Slot, containerId: string, code: number | null): Promise<void> {
    if (slot.containerId !== containerId || this.closing) return;
    slot.exitCode = code;
    if (!this.ready) return; // start() reports it through isAlive
    this.start_?.onListenerExit?.(slot.persona, { code, signal: null });
    if (slot.restarts >= this.options.maxRestarts) {
      this.options.onProgress(`listener ${slot.persona} (${slot.name}) exited with code ${code}; no restarts left`);
      const down = this.slots.filter((s) => s.persona === slot.persona).every((s) => s.exitCode !== undefined && s.restarts >= this.options.maxRestarts);
      if (down) this.start_?.onPersonaDown?.(slot.persona, `container ${slot.name} exited ${slot.restarts + 1} times, last with code ${code}`);
      return;
    }
    this.options.onProgress(`listener ${slot.persona} (${slot.name}) exited with code ${code}; restarting`);
    await this.client.stopAndRemove(containerId, 0).catch(() => undefined);
    if (this.closing) return;
    await this.launch(slot.persona, slot.index, slot.restarts + 1, slot).catch((err: unknown) => {
      this.options.onProgress(`restarting listener ${slot.persona} failed: ${errorMessage(err)}`);
    });
  }

  /** Removes managed containers of runs that are no longer alive (see docker-reaper.ts). Returns their names. */
  async reapOrphans(): Promise<string[]> {
    const removed = await reapOrphans(this.client, this.host);
    for (const c of removed) this.options.onProgress(`removed orphan container ${c.name} of run ${c.runId}`);
    return removed.map((c) => c.name);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.internal.abort();
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.start_?.signal?.removeEventListener('abort', this.onAbort);
    const failures: string[] = [];
    try {
      await this.stopAll(failures);
    } finally {
      this.closed = true;
      process.off('exit', this.onExit);
    }
    if (failures.length) {
      throw new AspError('RUNTIME_FAILED', `could not remove every listener container: ${failures.join('; ')}`, {
        hint: 'docker ps -a --filter label=asp.managed=true lists them; the next start removes orphans',
      });
    }
  }

  /** Cleanup steps in order; a failing step is noted and does not skip the rest. */
  private async stopAll(failures: string[]): Promise<void> {
    // 1. Launches in flight finish first, so that no container escapes.
    await Promise.allSettled([...this.pending]);
    // 2. Stop and remove every container of this runtime.
    const stops = await Promise.allSettled(this.slots.map((s) => this.client.stopAndRemove(s.containerId, this.options.stopGraceSeconds)));
    stops.forEach((r, i) => {
      if (r.status === 'rejected') failures.push(`${this.slots[i]?.name ?? '?'}: ${errorMessage(r.reason)}`);
    });
    // 3. Log followers end with their containers; stop any that did not.
    for (const s of this.slots) s.stopLogs();
    // 4. Anything else labelled with this run id (a replacement created late).
    const runId = this.start_?.runId;
    if (runId !== undefined && this.launchedAny) {
      try {
        const left = await this.client.listByLabels([`${LABEL_MANAGED}=true`, `${LABEL_RUN_ID}=${runId}`]);
        const sweeps = await Promise.allSettled(left.map((c) => this.client.stopAndRemove(c.id, 0)));
        sweeps.forEach((r, i) => {
          if (r.status === 'rejected') failures.push(`${left[i]?.name ?? '?'}: ${errorMessage(r.reason)}`);
        });
      } catch (err) {
        failures.push(`listing the run's containers: ${errorMessage(err)}`);
      }
    }
    if (runId !== undefined) markRunClosed(runId);
    // 5. The staged credential copies.
    for (const file of this.redisUrlFiles.values()) {
      await rm(file, { force: true }).catch((err: unknown) => failures.push(`removing ${file}: ${errorMessage(err)}`));
    }
    this.redisUrlFiles.clear();
    if (this.apiKeyFile) await rm(this.apiKeyFile, { force: true }).catch((err: unknown) => failures.push(`removing ${this.apiKeyFile}: ${errorMessage(err)}`));
    this.apiKeyFile = undefined;
    // 6. The run's repositories go back to the host user, so the host's git reads them (no "dubious ownership").
    if (this.start_ && process.getuid?.() === 0) {
      const { workspaceRoot, runId: id } = this.start_;
      await reclaimRunWorkspace(resolve(workspaceRoot), id).catch((err: unknown) => failures.push(`giving ${id}'s workspace back to the host user: ${errorMessage(err)}`));
    }
  }
}
