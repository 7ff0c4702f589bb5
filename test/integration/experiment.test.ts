import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentResults } from '../../src/experiment/experiment-results.ts';
import { SqliteTelemetryStore } from '../../src/telemetry/sqlite-store.ts';
import { writeExperiment } from '../support/experiment-files.ts';
import { lastJson, runCli, TempRun } from '../support/temp-run.ts';

interface ExperimentJson {
  experimentId: string;
  status: string;
  workers: number;
  files: { results: string; report: string };
  results: ExperimentResults;
}

let tmp: TempRun;
beforeEach(() => {
  tmp = new TempRun();
});
afterEach(() => tmp.cleanup());

const args = () => ['--db', tmp.dbPath, '--out', join(tmp.dir, 'experiments'), '--json'];

describe('asp experiment (inline transport)', () => {
  it('shows a known effect with an interval that excludes zero, a null variant with one that includes it, and the same digest at any worker count', async () => {
    // 0.3 twice (a null variant) and 0.95: a better reviewer lets fewer defects escape.
    const file = writeExperiment(tmp.dir, 'yield', 'seeds: 12\nvary:\n  personas.sarah.reviewYield: [0.3, 0.3, 0.95]\nmetrics: [escaped_defects, review_rounds.avg, sim.hours]\n');
    const two = await runCli(['experiment', file, '--workers', '2', ...args()]);
    expect(two.code, two.stderr).toBe(0);
    const a = lastJson<ExperimentJson>(two.stdout);
    const [baseline, same, better] = a.results.variants;
    expect(baseline!.baseline).toBe(true);
    const escaped = (v: typeof same) => v!.metrics.find((m) => m.metric === 'escaped_defects')!;
    // Known direction: fewer escaped defects, the whole interval below zero, and the sentence says so.
    const effect = escaped(better).difference!;
    expect(effect.n).toBe(12);
    expect(effect.significant).toBe(true);
    expect(effect.ci!.high).toBeLessThan(0);
    expect(effect.relativeCi!.high).toBeLessThan(0);
    expect(escaped(better).sentence).toMatch(/^escaped defects −\d+ % \(95 % CI −\d+ % to −\d+ %\); n = 12 paired seeds$/);
    // Null variant: the same value again gives an interval that includes zero and no claim.
    const none = escaped(same).difference!;
    expect(none.ci!.low).toBeLessThanOrEqual(0);
    expect(none.ci!.high).toBeGreaterThanOrEqual(0);
    expect(none.significant).toBe(false);
    expect(escaped(same).sentence).toMatch(/^no clear difference in escaped defects/);
    // Per variant and metric: n, mean, sd, percentiles and an interval.
    expect(escaped(baseline).description).toMatchObject({ n: 12 });
    expect(escaped(baseline).description.ci!.low).toBeLessThanOrEqual(escaped(baseline).description.mean!);

    const one = await runCli(['experiment', file, '--workers', '1', ...args()]);
    expect(one.code, one.stderr).toBe(0);
    const b = lastJson<ExperimentJson>(one.stdout);
    expect(b.workers).toBe(1);
    expect(b.results.digest).toBe(a.results.digest);
    expect(JSON.parse(readFileSync(b.files.results, 'utf8')).digest).toBe(a.results.digest);
    expect(readFileSync(a.files.report, 'utf8')).toContain('escaped defects −');

    // Both experiments and their runs are in the telemetry database.
    const store = new SqliteTelemetryStore(tmp.dbPath, { readonly: true });
    try {
      const rows = store.query<{ experiment_id: string; status: string; digest: string; runs: number }>(
        'SELECT e.experiment_id, e.status, e.digest, (SELECT COUNT(*) FROM experiment_runs r WHERE r.experiment_id = e.experiment_id) AS runs FROM experiments e ORDER BY e.started_at',
      );
      expect(rows.map((r) => [r.status, r.digest, r.runs])).toEqual([
        ['completed', a.results.digest, 36],
        ['completed', a.results.digest, 36],
      ]);
    } finally {
      store.close();
    }
  });

  it('a forecast: calendar end and effort ranges and the chance of finishing by a date', async () => {
    const file = writeExperiment(tmp.dir, 'forecast', 'seeds: 20\nforecast: { by: 3w, hoursPerDay: 8 }\n');
    const r = await runCli(['experiment', file, '--workers', '2', ...args()]);
    expect(r.code, r.stderr).toBe(0);
    const f = lastJson<ExperimentJson>(r.stdout).results.variants[0]!.forecast;
    expect(f.runs).toBe(20);
    expect(f.endDays.range90!.low).toBeLessThanOrEqual(f.endDays.range70!.low);
    expect(f.endDays.range90!.high).toBeGreaterThanOrEqual(f.endDays.range70!.high);
    expect(f.by!.hours).toBe(120);
    expect(f.by!.probability).toBeGreaterThanOrEqual(0);
    expect(f.fan.bands.p50[f.fan.bands.p50.length - 1]).toBeGreaterThan(0);
  });

  it('asp forecast <scenario> --by: the same forecast from the command line, with a readable table', async () => {
    writeExperiment(tmp.dir, 'unused', '');
    const r = await runCli(['forecast', join(tmp.dir, 'team.yaml'), '--seeds', '5', '--by', '10d', '--workers', '1', '--db', tmp.dbPath, '--out', join(tmp.dir, 'experiments')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/calendar end {2}median [\d.]+ d · 70 % [\d.]+–[\d.]+ d · 90 % [\d.]+–[\d.]+ d/);
    expect(r.stdout).toMatch(/P\(finished by 10\.0 d\) = \d+ %/);
  });

  it('an expectation that fails is exit 1 and says which', async () => {
    const file = writeExperiment(tmp.dir, 'same-yield', 'seeds: 3\nvary:\n  personas.sarah.reviewYield: [0.5, 0.5]\nexpect: [escaped_defects.change < 0]\n');
    const r = await runCli(['experiment', file, '--workers', '1', '--db', tmp.dbPath, '--out', join(tmp.dir, 'experiments')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('escaped_defects.change < 0 [reviewYield=0.5 #2]');
  });

  it('bad input: file:line:col, exit 2, nothing written', async () => {
    const file = writeExperiment(tmp.dir, 'bad', 'seeds: 3\nvary:\n  personas.sarah.reviewYield: [0.5, 2]\n');
    const r = await runCli(['experiment', file, '--db', tmp.dbPath, '--out', join(tmp.dir, 'experiments')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+ \(vary\.personas\.sarah\.reviewYield\.1\): value 2 for personas\.sarah\.reviewYield/);
    expect(existsSync(tmp.dbPath)).toBe(false);
    expect(existsSync(join(tmp.dir, 'experiments'))).toBe(false);
  });
});
