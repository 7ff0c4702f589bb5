import { spawn, type ChildProcess } from 'node:child_process';
import { aspCommandLine } from '../cli/asp-command-line.ts';

export interface BenchChild {
  stop(): Promise<void>;
}

/**
 * Starts `asp <args>` (a benchmark worker in its own process, like the
 * engine's listeners) and waits for its "ready" line on stdout. stop():
 * SIGTERM, then SIGKILL after 10 s.
 */
export async function startBenchChild(args: string[], what: string): Promise<BenchChild> {
  const [node, argv] = aspCommandLine(args);
  const child: ChildProcess = spawn(node, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 60 s`)), 60_000);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code}`));
    });
  });
  return {
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Resolves on the first SIGTERM/SIGINT (the child side of a bench worker). */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}
