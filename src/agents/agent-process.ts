import { spawn } from 'node:child_process';

/**
 * Runs one command agent step: the only module that starts agent commands
 * (child_process is a driver). The command gets exactly `env` (nothing of the
 * listener's own environment), its own process group (a timeout kills the
 * agent and whatever it started), one request line on stdin, and its stdout
 * is read up to `maxBytes`. Never logs: stderr may echo secrets, so only a
 * tail of it, with `secrets` blanked, reaches the error message.
 */
export interface AgentProcessOptions {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  input: string;
  timeoutMs: number;
  maxBytes: number;
  /** Strings blanked out of the stderr tail (the API key). */
  secrets?: readonly string[];
  signal?: AbortSignal;
}

export interface AgentProcessOutput {
  /** The first stdout line starting with `{`, or null when there was none. */
  responseLine: string | null;
  wallMs: number;
}

/** The step failed because of the agent (timeout, crash, oversized or missing output); `reason` says which. */
export class AgentProcessError extends Error {
  constructor(
    readonly reason: 'timeout' | 'crash' | 'oversized' | 'spawn' | 'aborted',
    message: string,
  ) {
    super(message);
    this.name = 'AgentProcessError';
  }
}

const STDERR_TAIL = 2000;
const KILL_GRACE_MS = 2000;

export interface CapturedProcess {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last 2,000 characters of stderr, `secrets` blanked. */
  stderrTail: string;
  wallMs: number;
}

/** Runs a command to its end and captures its output; rejects only on a timeout, an oversized stdout, a failed start or an abort. */
export function runCaptured(o: AgentProcessOptions): Promise<CapturedProcess> {
  const [command, ...args] = o.argv;
  if (!command) return Promise.reject(new AgentProcessError('spawn', 'the agent command is empty'));
  const started = performance.now();
  return new Promise<CapturedProcess>((resolve, reject) => {
    const child = spawn(command, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    let failure: AgentProcessError | undefined;
    let settled = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const stop = (error: AgentProcessError) => {
      failure ??= error;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => stop(new AgentProcessError('timeout', `the agent did not answer within ${o.timeoutMs} ms (timeoutMs); it was killed`)), o.timeoutMs);
    const onAbort = () => stop(new AgentProcessError('aborted', 'the step was cancelled; the agent was killed'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > o.maxBytes) {
        stop(new AgentProcessError('oversized', `the agent printed more than ${o.maxBytes} bytes (maxResponseBytes); it was killed`));
        return;
      }
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL * 2);
    });
    // A command that exits without reading its stdin: EPIPE is not our failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input);
    child.on('error', (err) => finish(() => reject(new AgentProcessError('spawn', `the command ${command} could not start: ${err.message}`))));
    child.on('close', (code, signal) => {
      finish(() => {
        if (failure) return reject(failure);
        resolve({
          code,
          signal,
          stdout,
          stderrTail: scrub(stderr, o.secrets ?? [])
            .trim()
            .slice(-STDERR_TAIL),
          wallMs: performance.now() - started,
        });
      });
    });
  });
}

/** One agent step: the command must exit 0; its response is the first stdout line starting with `{`. */
export async function runAgentProcess(o: AgentProcessOptions): Promise<AgentProcessOutput> {
  const out = await runCaptured(o);
  if (out.code !== 0) {
    throw new AgentProcessError('crash', `the agent exited with ${out.signal ? `signal ${out.signal}` : `code ${out.code}`}${out.stderrTail ? `; its stderr ends with: ${out.stderrTail}` : ''}`);
  }
  const responseLine = out.stdout.split('\n').find((l) => l.trimStart().startsWith('{')) ?? null;
  return { responseLine, wallMs: out.wallMs };
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
