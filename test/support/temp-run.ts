import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const ASP = join(REPO, 'src/cli/asp.js');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A private folder for one test's database, runs and workspaces. */
export class TempRun {
  readonly dir = mkdtempSync(join(tmpdir(), 'asp-test-'));
  readonly dbPath = join(this.dir, 'data', 'asp_telemetry.db');
  readonly runsDir = join(this.dir, 'runs');
  readonly workspacesDir = join(this.dir, 'workspaces');

  get layout() {
    return { dbPath: this.dbPath, runsDir: this.runsDir, workspacesDir: this.workspacesDir };
  }

  cliArgs(): string[] {
    return ['--db', this.dbPath, '--runs-dir', this.runsDir, '--workspaces', this.workspacesDir];
  }

  /** Everything the run left on disk (used to prove that nothing was written). */
  written(): string[] {
    return [this.dbPath, this.runsDir, this.workspacesDir].filter((p) => existsSync(p) && (p === this.dbPath || readdirSync(p).length > 0));
  }

  /** Removes the folder (kept when ASP_KEEP_TEST_DIRS is set, for debugging). */
  cleanup(): void {
    if (process.env.ASP_KEEP_TEST_DIRS) {
      console.log(`kept ${this.dir}`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `asp` CLI as a user would, with no standard input. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  return startCli(args, env, timeoutMs).result;
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process exits (code null: killed by a signal, see `signal`). */
  result: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** Starts the `asp` CLI (to signal it while it runs); `result` settles when it exits. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): RunningCli {
  const child = spawn(process.execPath, [ASP, ...args], { cwd: REPO, env: { ...process.env, REDIS_URL, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const result = new Promise<CliResult & { signal: NodeJS.Signals | null }>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`asp ${args.join(' ')} timed out; stderr: ${out.stderr}`));
    }, timeoutMs);
    // 'close': the exit status and all of the output.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, ...out });
    });
  });
  return {
    child,
    get stdout() {
      return out.stdout;
    },
    get stderr() {
      return out.stderr;
    },
    result,
  };
}

/** The last stdout line parsed as JSON (the `--json` contract). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as T;
}
