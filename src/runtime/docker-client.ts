import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import { AspError, errorMessage } from '../errors.ts';

/**
 * The one module that talks to the Docker engine (through dockerode). The rest
 * of the engine sees only the small surface below, in plain types, so the
 * driver can change without touching the runtime.
 */

export interface DockerClientOptions {
  /** Unix socket of the engine; default: DOCKER_HOST or /var/run/docker.sock (dockerode's rules). */
  socketPath?: string;
  /** How long `ping` waits for an answer before the engine counts as absent (ms, default 5000). */
  pingTimeoutMs?: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  cmd?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** "uid:gid" or a user name. */
  user?: string;
  /** host path -> container path */
  binds?: Array<{ host: string; container: string; readOnly?: boolean }>;
  networkMode?: string;
  /** Run docker-init as PID 1 (forwards signals, reaps zombies). */
  init?: boolean;
  workingDir?: string;
}

export interface ContainerSummary {
  id: string;
  name: string;
  /** created | running | paused | restarting | removing | exited | dead */
  state: string;
  labels: Record<string, string>;
}

export interface ContainerDetails {
  id: string;
  name: string;
  running: boolean;
  exitCode: number | null;
  user: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  networkMode: string;
  /** starting | healthy | unhealthy, or null without a healthcheck */
  health: string | null;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ImageSummary {
  id: string;
  sizeBytes: number;
  labels: Record<string, string>;
}

export type LogStream = 'stdout' | 'stderr';

const UNAVAILABLE_HINT =
  'start a Docker engine (on Debian: docker/start-dockerd.sh installs and starts one), ' + 'check that this user may use /var/run/docker.sock (or DOCKER_HOST), or use --runtime process';

function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function envRecord(list: readonly string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of list ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

export class DockerClient {
  private engine: Promise<Docker> | undefined;
  private readonly pingTimeoutMs: number;

  constructor(private readonly options: DockerClientOptions = {}) {
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  }

  /** dockerode, loaded at first use: a run on the process runtime never loads it (some 200 modules). */
  private docker(): Promise<Docker> {
    this.engine ??= import('dockerode').then(({ default: Dockerode }) => (this.options.socketPath ? new Dockerode({ socketPath: this.options.socketPath }) : new Dockerode()));
    return this.engine;
  }

  /** Resolves when the engine answers; otherwise throws DOCKER_UNAVAILABLE with what to do. */
  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
    });
    try {
      await Promise.race([this.docker().then((docker) => docker.ping()), timeout]);
    } catch (err) {
      throw new AspError('DOCKER_UNAVAILABLE', `no Docker engine answers: ${errorMessage(err)}`, {
        cause: err,
        hint: UNAVAILABLE_HINT,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** The engine's version string, e.g. "20.10.24+dfsg1". */
  async serverVersion(): Promise<string> {
    const v = (await (await this.docker()).version()) as { Version?: string };
    return v.Version ?? 'unknown';
  }

  async image(name: string): Promise<ImageSummary | null> {
    try {
      const info = await (await this.docker()).getImage(name).inspect();
      return { id: info.Id, sizeBytes: info.Size, labels: info.Config?.Labels ?? {} };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** Removes an image (tests use it for throw-away tags). A missing image is fine. */
  async removeImage(name: string): Promise<void> {
    try {
      await (await this.docker()).getImage(name).remove({ force: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  /** Creates and starts a container; returns its id. A half-created container is removed. */
  async run(spec: ContainerSpec): Promise<string> {
    const container = await (
      await this.docker()
    ).createContainer({
      name: spec.name,
      Image: spec.image,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      ...(spec.user ? { User: spec.user } : {}),
      ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
      Tty: false,
      AttachStdout: false,
      AttachStderr: false,
      HostConfig: {
        NetworkMode: spec.networkMode ?? 'host',
        Binds: (spec.binds ?? []).map((b) => `${b.host}:${b.container}${b.readOnly ? ':ro' : ''}`),
        Init: spec.init ?? true,
        AutoRemove: false,
      },
    });
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    return container.id;
  }

  /**
   * Follows a container's output from its start, line by line. Returns a
   * function that stops following. The promise `ended` settles when the
   * container's output ends (it exited or was removed).
   */
  async followLogs(id: string, onLine: (stream: LogStream, line: string) => void): Promise<{ stop: () => void; ended: Promise<void> }> {
    const docker = await this.docker();
    const raw = await docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, timestamps: false });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    docker.modem.demuxStream(raw, stdout, stderr);
    const lines = (stream: PassThrough, name: LogStream): Promise<void> =>
      new Promise((resolve) => {
        const rl = createInterface({ input: stream, crlfDelay: Infinity });
        rl.on('line', (line) => onLine(name, line));
        rl.on('close', () => resolve());
      });
    const ended = Promise.all([lines(stdout, 'stdout'), lines(stderr, 'stderr')]).then(() => undefined);
    const finish = (): void => {
      stdout.end();
      stderr.end();
    };
    raw.on('end', finish);
    raw.on('close', finish);
    raw.on('error', finish);
    return {
      stop: () => {
        (raw as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        finish();
      },
      ended,
    };
  }

  /** Resolves with the exit code when the container stops (or null when it is gone). */
  async wait(id: string): Promise<number | null> {
    try {
      const result = (await (await this.docker()).getContainer(id).wait()) as { StatusCode?: number };
      return typeof result.StatusCode === 'number' ? result.StatusCode : null;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async inspect(id: string): Promise<ContainerDetails | null> {
    try {
      const info = await (await this.docker()).getContainer(id).inspect();
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        running: info.State.Running,
        exitCode: info.State.Running ? null : info.State.ExitCode,
        user: info.Config.User,
        env: envRecord(info.Config.Env),
        labels: info.Config.Labels ?? {},
        networkMode: info.HostConfig.NetworkMode ?? '',
        health: (info.State as { Health?: { Status?: string } }).Health?.Status ?? null,
      };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /**
   * Stops (SIGTERM, then SIGKILL after `graceSeconds`) and removes a container.
   * A container that is already stopped or gone is fine.
   */
  async stopAndRemove(id: string, graceSeconds: number): Promise<void> {
    const container = (await this.docker()).getContainer(id);
    try {
      await container.stop({ t: graceSeconds });
    } catch (err) {
      const status = statusOf(err);
      // 304: already stopped; 404: gone. Anything else: removal below forces it.
      if (status === 404) return;
    }
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      const status = statusOf(err);
      // 404 gone; 409 removal already in progress.
      if (status !== 404 && status !== 409) throw err;
    }
  }

  /** Containers (running or not) that carry every given label (`key` or `key=value`). */
  async listByLabels(labels: readonly string[]): Promise<ContainerSummary[]> {
    const list = await (await this.docker()).listContainers({ all: true, filters: { label: [...labels] } });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      state: c.State,
      labels: c.Labels ?? {},
    }));
  }

  /** Runs a command in a running container and collects its output. */
  async exec(id: string, cmd: string[], options: { user?: string; env?: Record<string, string> } = {}): Promise<ExecResult> {
    const docker = await this.docker();
    const exec = await docker.getContainer(id).exec({
      Cmd: cmd,
      AttachStdout: true,
      AttachStderr: true,
      ...(options.user ? { User: options.user } : {}),
      ...(options.env ? { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) } : {}),
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (c: Buffer) => out.push(c));
    stderr.on('data', (c: Buffer) => err.push(c));
    docker.modem.demuxStream(stream, stdout, stderr);
    await new Promise<void>((resolve, reject) => {
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', reject);
    });
    const info = await exec.inspect();
    return {
      exitCode: info.ExitCode ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
  }
}
