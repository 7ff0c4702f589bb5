import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RegressionReport } from '../../src/runner/regression-suite.ts';
import { lastJson, REDIS_URL, REPO, runCli, TempRun } from '../support/temp-run.ts';

let temp: TempRun;
afterEach(() => temp?.cleanup());

function npmRun(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('npm', ['run', '-s', ...args], { cwd: REPO, env: { ...process.env, REDIS_URL }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('asp regress', () => {
  it('`npm run regress` passes on the committed baselines, with a table and JUnit XML', async () => {
    temp = new TempRun();
    const junit = join(temp.dir, 'junit.xml');
    const result = await npmRun(['regress', '--', '--junit', junit, ...temp.cliArgs()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/generated-cycles\s+24\s+match [0-9a-f]{12}\s+3\/3\s+✔ pass/);
    expect(result.stdout).toMatch(/strict-review\s+6\s+match/);
    expect(result.stdout).toMatch(/team-baseline\s+9\s+match/);
    expect(result.stdout).toContain('✔ 3 scenarios: 3 passed, 0 failed');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="asp regress" tests="15" failures="0" errors="0"/);
    expect(xml).toContain('<testcase classname="regress.strict-review" name="expect: review_rounds.max &lt;= 3"');
  });

  it('reports a changed digest against a baseline, with the differing tasks and metrics (exit 1, JSON, JUnit failure)', async () => {
    temp = new TempRun();
    const baselines = join(temp.dir, 'baselines');
    mkdirSync(baselines);
    cpSync(join(REPO, 'test/baselines/strict-review.json'), join(baselines, 'strict-review.json'));
    const file = join(baselines, 'strict-review.json');
    const baseline = JSON.parse(readFileSync(file, 'utf8'));
    baseline.digest = 'f'.repeat(64);
    baseline.tasks['audit-log'] = 'e'.repeat(64);
    baseline.metrics['review_rounds.avg'] = 1.25;
    writeFileSync(file, JSON.stringify(baseline));
    const junit = join(temp.dir, 'out', 'junit.xml');
    const result = await runCli(['regress', 'scenarios/regression/strict-review.yaml', '--baselines', baselines, '--junit', junit, '--json', ...temp.cliArgs()]);
    expect(result.code).toBe(1);
    const report = lastJson<RegressionReport & { junit: string }>(result.stdout);
    expect(report.status).toBe('fail');
    const s = report.scenarios[0]!;
    expect(s).toMatchObject({ name: 'strict-review', status: 'fail', digest: { expected: 'f'.repeat(64), match: false }, differingTasks: ['audit-log'] });
    expect(s.metricChanges).toEqual([{ name: 'review_rounds.avg', baseline: 1.25, actual: expect.any(Number) }]);
    expect(s.thresholds.every((t) => t.pass)).toBe(true);
    expect(readFileSync(junit, 'utf8')).toContain('<failure message="outcome digest differs from the baseline" type="digest">');

    // --update-baselines rewrites it deliberately; the next run passes.
    const update = await runCli(['regress', 'scenarios/regression/strict-review.yaml', '--baselines', baselines, '--update-baselines', '--junit', junit, ...temp.cliArgs()]);
    expect(update.code).toBe(0);
    expect(update.stdout).toContain('1 baseline written');
    expect(JSON.parse(readFileSync(file, 'utf8')).digest).toBe(s.digest.actual);
  });

  it('rejects a malformed threshold before running anything, naming the scenario and expression (exit 2)', async () => {
    temp = new TempRun();
    const scenario = readFileSync(join(REPO, 'scenarios/regression/strict-review.yaml'), 'utf8').replace('  - tasks.total == 6', '  - tasks.total = 6');
    const file = join(temp.dir, 'bad-expect.yaml');
    writeFileSync(file, scenario);
    const result = await runCli(['regress', file, '--junit', join(temp.dir, 'j.xml'), ...temp.cliArgs()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: expect[3] (Strict review): invalid threshold "tasks.total = 6": expected a comparator`);
    expect(temp.written()).toEqual([]);
    expect(existsSync(join(temp.dir, 'j.xml'))).toBe(false);
  });

  it('fails a threshold that the run does not meet, and a scenario without a baseline (exit 1)', async () => {
    temp = new TempRun();
    const scenario = readFileSync(join(REPO, 'scenarios/regression/strict-review.yaml'), 'utf8').replace('  - tasks.total == 6', '  - escaped_defects > 100\n  - tasks.total == 6');
    const file = join(temp.dir, 'strict-copy.yaml');
    writeFileSync(file, scenario);
    const result = await runCli(['regress', file, '--baselines', join(temp.dir, 'none'), '--junit', join(temp.dir, 'j.xml'), ...temp.cliArgs()]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/strict-copy\s+6\s+no baseline [0-9a-f]{12}\s+4\/5\s+✖ FAIL/);
    expect(result.stdout).toContain('expect   ✖ escaped_defects > 100   (actual 0)');
    expect(result.stdout).toContain(`no baseline ${join(temp.dir, 'none', 'strict-copy.json')}; create it with \`npm run regress -- --update-baselines\``);
  });
});
