import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AspError } from '../../../src/errors.ts';
import { loadExperimentFile } from '../../../src/experiment/experiment-loader.ts';
import { SMALL_SCENARIO } from '../../support/inline-run.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asp-exp-'));
  writeFileSync(join(dir, 'base.yaml'), SMALL_SCENARIO);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string) {
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, text);
  return loadExperimentFile(file);
}

function problem(text: string): { message: string; exitCode: number } {
  try {
    load(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AspError);
    return { message: (err as AspError).message, exitCode: (err as AspError).exitCode };
  }
  throw new Error('expected the experiment to be refused');
}

describe('experiment files', () => {
  it('expands the grid in file order, first path slowest, with seeds from the base seed', () => {
    const plan = load(`name: Grid
scenario: base.yaml
seeds: 3
vary:
  workflow.maxReviewRounds: [2, 4]
  personas.sarah.reviewYield: [0.5, 0.9]
`);
    expect(plan.variants.map((v) => v.label)).toEqual([
      'maxReviewRounds=2, reviewYield=0.5',
      'maxReviewRounds=2, reviewYield=0.9',
      'maxReviewRounds=4, reviewYield=0.5',
      'maxReviewRounds=4, reviewYield=0.9',
    ]);
    expect(plan.variants[3]!.scenario.workflow.maxReviewRounds).toBe(4);
    expect(plan.variants[3]!.scenario.personas.sarah.reviewYield).toBe(0.9);
    // Unchanged fields keep the base scenario's values.
    expect(plan.variants[3]!.scenario.personas.sarah.nitpickRate).toBe(0.3);
    expect(plan.variants[0]!.scenario.workspace).toBe('none');
    expect(plan.seeds).toEqual([5, 6, 7]);
    expect(plan.baseline).toBe(0);
    expect(plan.isForecast).toBe(false);
    expect(plan.metrics.map((m) => m.ref)).toContain('escaped_defects');
  });

  it('takes a declared baseline, a seed list, history size (.length) and task mix in a list entry', () => {
    const plan = load(`name: B
scenario: base.yaml
seeds: [a, b]
vary:
  history.points.length: [2, 4]
  cycles[2].generate.count: [3, 6]
baseline: { history.points.length: 4 }
`);
    expect(plan.baseline).toBe(2);
    expect(plan.seeds).toEqual(['a', 'b']);
    expect(plan.variants[0]!.scenario.history.points).toHaveLength(2);
    expect(plan.variants[1]!.scenario.cycles[2]!.generate!.count).toBe(6);
  });

  it('labels a repeated value apart (a null variant)', () => {
    const plan = load('name: N\nscenario: base.yaml\nseeds: 2\nvary: { personas.sarah.reviewYield: [0.6, 0.6] }\n');
    expect(plan.variants.map((v) => v.label)).toEqual(['reviewYield=0.6', 'reviewYield=0.6 #2']);
  });

  it('no vary: a forecast with one variant', () => {
    const plan = load('name: F\nscenario: base.yaml\nseeds: 50\nforecast: { by: 2w, hoursPerDay: 6 }\n');
    expect(plan.isForecast).toBe(true);
    expect(plan.variants).toHaveLength(1);
    expect(plan.forecast.byHours).toBe(60);
  });

  it('a path that is not in the scenario format: file:line:col of the key, exit 2', () => {
    const { message, exitCode } = problem('name: X\nscenario: base.yaml\nvary:\n  personas.sarah.reviewYeld: [0.5]\n');
    expect(exitCode).toBe(2);
    expect(message).toContain('exp.yaml:4:3 (vary.personas.sarah.reviewYeld): personas.sarah has no field "reviewYeld"; fields: reviewRate, reviewYield');
  });

  it("a value the scenario refuses: file:line:col of the value, with the scenario's own message", () => {
    const { message } = problem('name: X\nscenario: base.yaml\nvary:\n  personas.sarah.reviewYield: [0.5, 1.5]\n');
    expect(message).toMatch(/exp\.yaml:4:37 \(vary\.personas\.sarah\.reviewYield\.1\): value 1\.5 for personas\.sarah\.reviewYield: personas\.sarah\.reviewYield: Too big: expected number to be <=1/);
  });

  it('refuses list entries the base does not have, bad history sizes, unknown metrics, off-grid baselines and unknown fields', () => {
    expect(problem('name: X\nscenario: base.yaml\nvary:\n  cycles[9].generate.count: [1]\n').message).toContain('cycles has 3 entries in the base scenario; [9] does not exist');
    expect(problem('name: X\nscenario: base.yaml\nvary: { history.points.length: [5] }\n').message).toContain('expected a whole number from 0 to 4');
    expect(problem('name: X\nscenario: base.yaml\nmetrics: [escaped_defect]\n').message).toMatch(/exp\.yaml:3:\d+ \(metrics\.0\).*unknown metric "escaped_defect"/);
    expect(problem('name: X\nscenario: base.yaml\nvary: { workflow.maxReviewRounds: [2, 3] }\nbaseline: { workflow.maxReviewRounds: 5 }\n').message).toContain(
      'the baseline must be a point of the grid',
    );
    expect(problem('name: X\nscenario: base.yaml\nvarry: {}\n').message).toMatch(/exp\.yaml:3:1.*unknown field "varry"/);
    expect(problem('name: X\nscenario: missing.yaml\n').message).toMatch(/exp\.yaml:2:11 \(scenario\): cannot read the base scenario/);
    expect(problem('name: X\nscenario: base.yaml\nexpect: [escaped_defects < 3]\n').message).toContain('needs a statistic at the end');
    expect(problem('name: X\nscenario: base.yaml\nseeds: [1, 1]\n').message).toContain('the seeds must be distinct');
  });
});

it('every shipped experiment loads', async () => {
  const { readdirSync } = await import('node:fs');
  const files = readdirSync('scenarios/experiments').filter((f) => f.endsWith('.yaml'));
  expect(files.length).toBeGreaterThanOrEqual(3);
  for (const f of files) expect(loadExperimentFile(join('scenarios/experiments', f)).seeds.length).toBeGreaterThanOrEqual(30);
});
