import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { aspCommandLine } from '../cli/asp-command-line.ts';
import { identityEnv, PERSONA_IDENTITIES, type PersonaName } from '../personas.ts';
import { waitForListeners } from '../queue/listener-registry.ts';
import { configureGitIdentity } from '../workspace/git-workspace.ts';
import type { AgentRuntime, ListenerInfo, RuntimeStartOptions } from './agent-runtime.ts';
import { planListenerIdentities, prepareListenerFiles, type ListenerIdentities } from './listener-identity.ts';
import { parseListenerLine } from './listener-log-line.ts';
import { reclaimRunWorkspace } from './workspace-ownership.ts';

const GRACE_MS = 10_000;
const MAX_RESTARTS = 5;
/** Only these variables of the parent reach a listener; everything else (secrets) stays out. */
const PASS_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_OPTIONS', 'ASP_LOG_LEVEL'];

interface Slot {
  persona: PersonaName;
  id: string;
  env: NodeJS.ProcessEnv;
  child?: ChildProcess;
  restarts: number;
  exitNote?: string;
}

/**
 * The embedded default: one child process per listener, each with its
 * persona's identity, its own HOME (so `git config --global` is isolated)
 * and the shared workspace root. Dead listeners are restarted.
 */
export class ProcessRuntime implements AgentRuntime {
  readonly kind = 'process' as const;
  private readonly slots: Slot[] = [];
  private options: RuntimeStartOptions | undefined;
  private closing: Promise<void> | undefined;
  private identities: ListenerIdentities | undefined;

  async start(options: RuntimeStartOptions): Promise<void> {
    this.options = options;
    const homes = Object.fromEntries(options.personas.map((p) => [p, resolve(options.runDir, 'home', p)])) as Record<PersonaName, string>;
    // The personas' HOMEs (git identity) at once: each is a few git processes.
    const [identities] = await Promise.all([
      // Root: each persona's listeners under a uid of their own (listener-identity.ts).
      planListenerIdentities(options, [aspCommandLine([])[1][0] ?? '', process.execPath]),
      ...options.personas.map((p) => configureGitIdentity(homes[p], PERSONA_IDENTITIES[p].gitName, PERSONA_IDENTITIES[p].gitEmail)),
    ]);
    this.identities = identities;
    if (this.identities.separate) await prepareListenerFiles(options, this.identities.ids, homes);
    for (const persona of options.personas) {
      options.onLog?.(
        persona,
        this.identities.separate
          ? { level: 30, msg: `listeners of ${persona} run as uid ${this.identities.ids[persona].uid}, group ${this.identities.ids[persona].gid}` }
          : { level: 40, msg: `listeners of ${persona} run as the runner's own user, not isolated from the other personas: ${this.identities.reason}` },
      );
    }
    for (const persona of options.personas) {
      const home = homes[persona];
      const urlFile = options.redisUrlFiles?.[persona];
      for (let i = 1; i <= options.listenersPerPersona; i++) {
        const id = `${persona}-${i}`;
        const env: NodeJS.ProcessEnv = {
          ...Object.fromEntries(PASS_THROUGH.flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]]] : []))),
          ...identityEnv(persona),
          HOME: home,
          ...(urlFile ? { ASP_REDIS_URL_FILE: resolve(urlFile) } : { ASP_REDIS_URL: options.redisUrl }),
          ...(options.apiKeyFile ? { ASP_API_KEY_FILE: resolve(options.apiKeyFile) } : {}),
          ASP_QUEUE_PREFIX: options.queuePrefix,
          ASP_CONCURRENCY: String(options.concurrency),
          ASP_LISTENER_ID: id,
          ASP_RUN_ID: options.runId,
          ASP_WORKSPACE_ROOT: resolve(options.workspaceRoot),
        };
        const slot: Slot = { persona, id, env, restarts: 0 };
        this.slots.push(slot);
        this.spawn(slot);
      }
    }
    await waitForListeners(options.redisUrl, options.queuePrefix, options.personas, options.listenersPerPersona, {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
      isAlive: () => {
        const dead = this.slots.find((s) => s.restarts >= MAX_RESTARTS);
        return dead ? `listener ${dead.id} keeps dying (${dead.exitNote ?? 'no detail'}); see the run log` : null;
      },
    });
  }

  private spawn(slot: Slot): void {
    const options = this.options;
    if (!options) return;
    mkdirSync(join(options.runDir), { recursive: true });
    const [node, args] = aspCommandLine(['listen']);
    const ids = this.identities?.separate ? this.identities.ids[slot.persona] : undefined;
    // Under its own uid a listener also needs umask 002: the other personas commit to the files it creates.
    const child = ids
      ? spawn('/bin/sh', ['-c', 'umask 002 && exec "$0" "$@"', node, ...args], { env: slot.env, cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], uid: ids.uid, gid: ids.gid })
      : spawn(node, args, { env: slot.env, cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    slot.child = child;
    const forward = (chunk: Buffer, buffer: { rest: string }) => {
      buffer.rest += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.rest.indexOf('\n')) >= 0) {
        const line = buffer.rest.slice(0, nl);
        buffer.rest = buffer.rest.slice(nl + 1);
        if (line.trim() === '') continue;
        options.onLog?.(slot.persona, parseListenerLine(line));
      }
    };
    const out = { rest: '' };
    const err = { rest: '' };
    child.stdout?.on('data', (c: Buffer) => forward(c, out));
    child.stderr?.on('data', (c: Buffer) => forward(c, err));
    child.on('error', (e) => options.onLog?.(slot.persona, { level: 50, msg: `listener ${slot.id} failed to start: ${e.message}` }));
    child.on('exit', (code, signal) => {
      if (slot.child !== child) return;
      slot.child = undefined;
      if (this.closing) return;
      slot.exitNote = `exit code ${code ?? '-'} signal ${signal ?? '-'}`;
      options.onListenerExit?.(slot.persona, { code, signal });
      if (slot.restarts < MAX_RESTARTS) {
        slot.restarts++;
        setTimeout(() => !this.closing && this.spawn(slot), 200 * slot.restarts).unref();
        return;
      }
      options.onLog?.(slot.persona, { level: 50, msg: `listener ${slot.id} died ${slot.restarts + 1} times (last: ${slot.exitNote}); no restarts left` });
      const personaSlots = this.slots.filter((s) => s.persona === slot.persona);
      if (personaSlots.every((s) => !s.child && s.restarts >= MAX_RESTARTS)) {
        options.onPersonaDown?.(slot.persona, `listener ${slot.id} died ${slot.restarts + 1} times, last with ${slot.exitNote}`);
      }
    });
  }

  listeners(): ListenerInfo[] {
    return this.slots.map((s) => ({ persona: s.persona, id: s.id, ...(s.child?.pid ? { pid: s.child.pid } : {}) }));
  }

  /** Kills one listener hard (fault-injection tests use it); the runtime restarts it. */
  kill(listenerId: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    const slot = this.slots.find((s) => s.id === listenerId);
    return slot?.child?.kill(signal) ?? false;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const running = this.slots.flatMap((s) => (s.child && s.child.exitCode === null ? [s.child] : []));
      await Promise.all(
        running.map(
          (child) =>
            new Promise<void>((done) => {
              const timer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
              child.once('exit', () => {
                clearTimeout(timer);
                done();
              });
              if (!child.kill('SIGTERM')) {
                clearTimeout(timer);
                done();
              }
            }),
        ),
      );
      // The run's repositories go back to the runner's user: the host's git refuses another uid's ("dubious ownership").
      if (this.identities?.separate && this.options) await reclaimRunWorkspace(this.options.workspaceRoot, this.options.runId).catch(() => undefined);
    })();
    return this.closing;
  }
}
