import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AspError } from '../../../src/errors.ts';
import { loadScenarioFile, parseScenario } from '../../../src/scenario/scenario-loader.ts';
import { planCycles } from '../../../src/scenario/task-plan.ts';

const SCENARIOS = join(import.meta.dirname, '../../../scenarios');

function problem(source: string): AspError {
  try {
    parseScenario(source, 'bad.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(AspError);
    const e = err as AspError;
    expect(e.code).toBe('SCENARIO_INVALID');
    expect(e.exitCode).toBe(2);
    return e;
  }
  throw new Error('expected the scenario to be rejected');
}

const MINIMAL = `name: t\nseed: 1\ncycles:\n  - tasks:\n      - id: a\n        title: A\n        proxySize: 50\n`;

describe('scenario loader', () => {
  it('loads every shipped scenario', () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml'));
    expect(files).toContain('task-a.yaml');
    for (const f of files) {
      const loaded = loadScenarioFile(join(SCENARIOS, f));
      expect(loaded.scenario.cycles.length).toBeGreaterThan(0);
      expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('fills documented defaults', () => {
    const { scenario } = parseScenario(MINIMAL);
    expect(scenario.runtime).toBe('process');
    expect(scenario.workspace).toBe('git');
    expect(scenario.workflow.maxReviewRounds).toBe(3);
    expect(scenario.personas.alex.productivity).toBe(12);
    expect(scenario.personas.sarah.cost.ai).toBe(false);
  });

  it('names file, line, column and field of an unknown key', () => {
    const e = problem(`name: t\ncycles:\n  - tasks:\n      - id: a\n        title: A\n        proxySize: 50\n        proxySzie: 60\n`);
    expect(e.message).toContain('bad.yaml:7:9 (cycles[0].tasks[0])');
    expect(e.message).toContain('unknown field "proxySzie"');
  });

  it('names the field path and what is expected for a wrong type', () => {
    const e = problem(`name: t\nworkflow:\n  maxReviewRounds: many\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 5 }]\n`);
    expect(e.message).toMatch(/bad\.yaml:3:\d+ \(workflow\.maxReviewRounds\)/);
    expect(e.message).toMatch(/expected number/);
  });

  it('rejects YAML syntax errors with the line', () => {
    const e = problem(`name: t\ncycles: [\n  - tasks\n`);
    expect(e.message).toMatch(/bad\.yaml:\d+:\d+: YAML syntax/);
  });

  it.each([
    ['an empty file', '', /empty/],
    ['binary data', 'name: \u0000\u0001', /binary/],
    ['a list instead of a mapping', '- a\n- b\n', /expected a YAML mapping/],
    ['a task without size', `name: t\ncycles:\n  - tasks: [{ id: a, title: A }]\n`, /parts.*proxySize|proxySize/],
    ['a negative size', `name: t\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: -5 }]\n`, /proxySize/],
    ['a huge round count', `name: t\nworkflow: { maxReviewRounds: 1e12 }\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 5 }]\n`, /maxReviewRounds/],
    ['an invalid task id', `name: t\ncycles:\n  - tasks: [{ id: "A B", title: A, proxySize: 5 }]\n`, /lower-case/],
    ['duplicate task ids', `name: t\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 5 }, { id: a, title: B, proxySize: 6 }]\n`, /used twice/],
    ['no cycles', `name: t\ncycles: []\n`, /at least one cycle/],
    ['an unknown persona', `name: t\npersonas: { bob: {} }\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 5 }]\n`, /unknown field "bob"/],
    ['a duplicate key', `name: t\nname: u\ncycles:\n  - tasks: [{ id: a, title: A, proxySize: 5 }]\n`, /YAML syntax/],
  ])('rejects %s', (_what, source, pattern) => {
    expect(problem(source).message).toMatch(pattern);
  });

  it('rejects a missing file with exit 2 and a hint', () => {
    expect(() => loadScenarioFile('/nonexistent/x.yaml')).toThrow(/cannot read the scenario file/);
  });

  it('expands generated tasks deterministically', () => {
    const source = `name: g\nseed: 7\nworkspace: none\ncycles:\n  - generate: { count: 5, proxySize: { median: 100, sigma: 0.4 } }\n`;
    const a = [...planCycles(parseScenario(source).scenario)[0]!.tasks()];
    const b = [...planCycles(parseScenario(source).scenario)[0]!.tasks()];
    expect(a).toHaveLength(5);
    expect(a).toEqual(b);
    expect(new Set(a.map((t) => t.id)).size).toBe(5);
  });
});
