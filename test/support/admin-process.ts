import { spawn, type ChildProcess } from 'node:child_process';
import { ASP, REDIS_URL, REPO } from './temp-run.ts';

/** `asp admin` (serve) as a child process on a free loopback port. */
export class AdminProcess {
  private stdoutText = '';
  private stderrText = '';
  private exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** `args` may carry their own --redis/--redis-url-file (then REDIS_URL is not added). */
  static async start(args: string[], timeoutMs = 30_000): Promise<AdminProcess> {
    const redis = args.some((a) => a.startsWith('--redis')) ? [] : ['--redis', REDIS_URL];
    const child = spawn(process.execPath, [ASP, 'admin', '--port', '0', ...redis, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`asp admin did not start in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const match = /dashboard at (http:\/\/\S+\/)/.exec(out);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`asp admin exited with ${code} before serving; stderr: ${err}`));
      });
    });
    const admin = new AdminProcess(child, url);
    admin.stdoutText = out;
    child.stdout?.on('data', (c: Buffer) => (admin.stdoutText += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (admin.stderrText += c.toString()));
    admin.stderrText = err;
    return admin;
  }

  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
