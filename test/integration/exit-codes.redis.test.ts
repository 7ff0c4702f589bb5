import { gunzipSync } from 'node:zlib';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPrivateRedis, type RedisHandle } from '../../src/runtime/private-redis.ts';
import { runWithSteps } from '../support/fault-helpers.ts';
import { lastJson, runCli, startCli, TempRun, type RunningCli } from '../support/temp-run.ts';

/**
 * One meaning per exit code, for every command, checked on the real CLI:
 * 0 ran to its end and every expectation held (simulated task failures are
 * outcomes), 1 an expectation/threshold failed, 2 bad input or missing
 * environment (nothing written), 3 engine/infrastructure failure during the
 * run (resumable), 130 interrupted.
 */
const RUN_MS = 300_000;
/** Private Redis servers of this file (ports 16600–16699 are this suite's). */
let nextPort = 16_600 + Math.floor(Math.random() * 50);

let temp: TempRun;
const redisServers: RedisHandle[] = [];
afterEach(async () => {
  for (const r of redisServers.splice(0)) await r.close();
  temp?.cleanup();
});

/** Two tasks that both hit the review-round limit: Sarah always asks for changes, one round allowed. */
function scenario(expectations: string[], workflow = ''): string {
  return `name: exit codes
seed: 5
workspace: none
workflow: { maxReviewRounds: 1, concurrency: 2${workflow} }
personas:
  sarah: { nitpickRate: 1 }
cycles:
  - generate: { count: 2, idPrefix: t, proxySize: { median: 100 } }
expect:
${expectations.map((e) => `  - ${e}`).join('\n')}
`;
}

/** Slow steps (so a run can be stopped in the middle) and a short Redis outage limit. */
const PACED = ', pacingMs: 400, redisOutageMs: 2000';

function write(name: string, text: string): string {
  const file = join(temp.dir, name);
  writeFileSync(file, text);
  return file;
}

async function until(probe: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether the run has stored at least `n` step results. */
const storedSteps = (dbPath: string, n: number) => runWithSteps(dbPath, n) !== undefined;

/**
 * asp.js hides a password given in a Redis URL from \`ps\` right after it
 * installs its first signal handlers and before it loads any command: a
 * rewritten command line says asp has reached that point.
 */
function commandLineRewritten(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(':***@');
  } catch {
    return false;
  }
}

/** A run's log exists once the run has started (before its listeners are up). */
function runLogWritten(): boolean {
  if (!existsSync(temp.runsDir)) return false;
  return readdirSync(temp.runsDir).some((d) => existsSync(join(temp.runsDir, d, 'run.log')));
}

async function privateRedis(): Promise<RedisHandle> {
  const redis = await startPrivateRedis(nextPort++);
  redisServers.push(redis);
  return redis;
}

/** Runs `args` against a private Redis and takes that Redis away after a few stored steps: exit 3. */
async function redisGoesAway(args: string[]): Promise<RunningCli['result'] extends Promise<infer R> ? R : never> {
  const redis = await privateRedis();
  const cli = startCli([...args, '--redis', redis.url], {}, RUN_MS);
  await until(() => storedSteps(temp.dbPath, 2), 'two stored steps');
  await redis.close();
  return cli.result;
}

async function interruptWhen(args: string[], ready: () => boolean, what: string) {
  const cli = startCli(args, {}, RUN_MS);
  await until(ready, what);
  cli.child.kill('SIGINT');
  return cli.result;
}

describe('asp simulate exit codes', () => {
  it(
    '0: the run ends and its expectations hold, though every task failed by the round limit (a simulated outcome)',
    async () => {
      temp = new TempRun();
      const result = await runCli(['simulate', write('ok.yaml', scenario(['tasks.failed == 2', 'tasks.total == 2'])), ...temp.cliArgs()]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.split('\n')[0]).toBe('✔ 2 tasks: 0 done, 2 failed by the round limit (simulated outcomes) · thresholds: 2/2 held');
      expect(result.stderr).not.toMatch(/error/i);
    },
    RUN_MS,
  );

  it(
    '1: an expectation fails, and stderr names it with the actual value',
    async () => {
      temp = new TempRun();
      const result = await runCli(['simulate', write('fail.yaml', scenario(['tasks.failed == 0', 'tasks.total == 2'])), '--json', ...temp.cliArgs()]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('simulate: 1 of 2 expectations failed: tasks.failed == 0 (actual 2)');
      const summary = lastJson<{ status: string; expectations: Array<{ expression: string; pass: boolean; actual: number }> }>(result.stdout);
      expect(summary.status).toBe('completed');
      expect(summary.expectations).toEqual([
        { expression: 'tasks.failed == 0', pass: false, actual: 2 },
        { expression: 'tasks.total == 2', pass: true, actual: 2 },
      ]);
    },
    RUN_MS,
  );

  it(
    '2: a malformed expectation is bad input, found before anything is written',
    async () => {
      temp = new TempRun();
      const result = await runCli(['simulate', write('bad.yaml', scenario(['tasks.failed = 0'])), ...temp.cliArgs()]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('expect[0]');
      expect(result.stderr).toContain('invalid threshold "tasks.failed = 0"');
      expect(temp.written()).toEqual([]);
    },
    RUN_MS,
  );

  it(
    '3: Redis goes away during the run; the error says how to resume',
    async () => {
      temp = new TempRun();
      const result = await redisGoesAway(['simulate', write('paced.yaml', scenario(['tasks.total == 2'], PACED)), ...temp.cliArgs()]);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/Redis went away for \d+ s during run run-\S+; the run stopped/);
      expect(result.stderr).toMatch(/npm run simulate -- --resume run-\S+/);
    },
    RUN_MS,
  );

  it(
    '130: SIGINT while the listeners are starting',
    async () => {
      temp = new TempRun();
      const result = await interruptWhen(['simulate', write('ok.yaml', scenario(['tasks.total == 2'], PACED)), ...temp.cliArgs()], runLogWritten, 'the run to start');
      expect(result.code, result.stderr).toBe(130);
    },
    RUN_MS,
  );

  it(
    '130: SIGINT before the command has started anything',
    async () => {
      temp = new TempRun();
      // From-source start-up is the slow one (tsx loads before any command module).
      const cli = startCli(['simulate', write('ok.yaml', scenario(['tasks.total == 2'])), '--redis', 'redis://u:secret@127.0.0.1:1', ...temp.cliArgs()], { ASP_FROM_SOURCE: '1' });
      await until(() => commandLineRewritten(cli.child.pid!), 'asp to start');
      cli.child.kill('SIGINT');
      const result = await cli.result;
      expect(result.code, result.stderr).toBe(130);
      expect(temp.written()).toEqual([]);
    },
    RUN_MS,
  );
});

describe('asp load exit codes', () => {
  it(
    '0: the default threshold holds',
    async () => {
      temp = new TempRun();
      const result = await runCli(['load', '--tasks', '6', ...temp.cliArgs()]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.split('\n')[0]).toMatch(/^✔ 6 tasks: \d+ done.* · thresholds: 1\/1 held$/);
    },
    RUN_MS,
  );

  it(
    '1: a threshold fails, and stderr names it',
    async () => {
      temp = new TempRun();
      const result = await runCli(['load', '--tasks', '6', '--threshold', 'tasks.finished<1', ...temp.cliArgs()]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('load: 1 of 1 threshold failed: tasks.finished<1 (actual 6)');
    },
    RUN_MS,
  );

  it(
    '2: a malformed threshold, nothing written',
    async () => {
      temp = new TempRun();
      const result = await runCli(['load', '--tasks', '6', '--threshold', 'no.such.metric<1', ...temp.cliArgs()]);
      expect(result.code).toBe(2);
      expect(temp.written()).toEqual([]);
    },
    RUN_MS,
  );

  it(
    '3: Redis goes away during the load test',
    async () => {
      temp = new TempRun();
      const template = write('paced.yaml', scenario(['tasks.total == 2'], PACED));
      const result = await redisGoesAway(['load', '--tasks', '4', '--concurrency', '1', '--template', template, ...temp.cliArgs()]);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/--resume run-/);
    },
    RUN_MS,
  );

  it(
    '130: SIGINT during the load test',
    async () => {
      temp = new TempRun();
      const template = write('paced.yaml', scenario(['tasks.total == 2'], PACED));
      const result = await interruptWhen(['load', '--tasks', '4', '--concurrency', '1', '--template', template, ...temp.cliArgs()], () => storedSteps(temp.dbPath, 1), 'a stored step');
      expect(result.code, result.stderr).toBe(130);
    },
    RUN_MS,
  );
});

describe('asp regress exit codes', () => {
  it(
    '0 with baselines written, 0 when they match, 1 when an expectation fails',
    async () => {
      temp = new TempRun();
      const suite = join(temp.dir, 'suite');
      const baselines = join(temp.dir, 'baselines');
      mkdirSync(suite);
      writeFileSync(join(suite, 'tiny.yaml'), scenario(['tasks.failed == 2']));
      const args = [suite, '--baselines', baselines, '--junit', join(temp.dir, 'j.xml'), ...temp.cliArgs()];
      const written = await runCli(['regress', ...args, '--update-baselines']);
      expect(written.code, written.stderr).toBe(0);
      const again = await runCli(['regress', ...args]);
      expect(again.code, again.stderr).toBe(0);

      writeFileSync(join(suite, 'tiny.yaml'), scenario(['tasks.failed == 0']));
      const failing = await runCli(['regress', ...args]);
      expect(failing.code).toBe(1);
      expect(failing.stderr).toContain('tiny: expect tasks.failed == 0 failed (actual 2)');
    },
    RUN_MS,
  );

  it(
    '2: no Redis answers; nothing written, not even the JUnit file',
    async () => {
      temp = new TempRun();
      const file = write('tiny.yaml', scenario(['tasks.total == 2']));
      const junit = join(temp.dir, 'j.xml');
      const result = await runCli(['regress', file, '--junit', junit, '--redis', `redis://127.0.0.1:${nextPort++}`, ...temp.cliArgs()]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/Redis/);
      expect(temp.written()).toEqual([]);
      expect(existsSync(junit)).toBe(false);
    },
    RUN_MS,
  );

  it(
    '3: a scenario run fails in its infrastructure',
    async () => {
      temp = new TempRun();
      const file = write('paced.yaml', scenario(['tasks.total == 2'], PACED));
      const result = await redisGoesAway(['regress', file, '--baselines', join(temp.dir, 'b'), '--junit', join(temp.dir, 'j.xml'), ...temp.cliArgs()]);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/could not run: paced \(Redis went away/);
    },
    RUN_MS,
  );

  it(
    '130: SIGINT during a scenario',
    async () => {
      temp = new TempRun();
      const file = write('paced.yaml', scenario(['tasks.total == 2'], PACED));
      const result = await interruptWhen(
        ['regress', file, '--baselines', join(temp.dir, 'b'), '--junit', join(temp.dir, 'j.xml'), ...temp.cliArgs()],
        () => storedSteps(temp.dbPath, 1),
        'a stored step',
      );
      expect(result.code, result.stderr).toBe(130);
    },
    RUN_MS,
  );
});

describe('asp replay exit codes', () => {
  it(
    '0 match, 1 divergence, 2 corrupt; --live: 130 when interrupted',
    async () => {
      temp = new TempRun();
      const run = await runCli(['simulate', write('paced.yaml', scenario(['tasks.total == 2'], ', pacingMs: 200')), '--json', ...temp.cliArgs()]);
      expect(run.code, run.stderr).toBe(0);
      const runDir = join(temp.runsDir, lastJson<{ runId: string }>(run.stdout).runId);
      const recording = join(runDir, 'recording.ndjson.gz'); // a finished run's recording is gzipped

      expect((await runCli(['replay', runDir])).code).toBe(0);

      const lines = gunzipSync(readFileSync(recording)).toString('utf8').split('\n');
      const diverged = join(temp.dir, 'diverged.ndjson');
      // Sarah's first review is recorded as approved: the machines take another path than the recording.
      const review = lines.findIndex((l) => l.includes('"kind":"result"') && l.includes('"step":"review"'));
      const flipped = JSON.parse(lines[review]!) as { result: { verdict: string } };
      flipped.result.verdict = 'approved';
      writeFileSync(diverged, lines.map((l, i) => (i === review ? JSON.stringify(flipped) : l)).join('\n'));
      const divergence = await runCli(['replay', diverged]);
      expect(divergence.code, divergence.stdout + divergence.stderr).toBe(1);
      expect(divergence.stderr).toContain('replay: 1 of 1 check failed');

      const corrupt = join(temp.dir, 'corrupt.ndjson');
      writeFileSync(corrupt, `${lines.slice(0, 3).join('\n')}\n{ not json\n`);
      expect((await runCli(['replay', corrupt])).code).toBe(2);

      const live = await interruptWhen(['replay', runDir, '--live', ...temp.cliArgs()], () => readdirSync(temp.runsDir).length > 1, 'the live re-run to start');
      expect(live.code, live.stderr).toBe(130);
    },
    RUN_MS,
  );
});
