import { describe, expect, it } from 'vitest';
import { esc, renderJunit } from '../../../src/report/junit-report.ts';
import { renderRegression } from '../../../src/report/regress-report.ts';
import type { RegressionReport, ScenarioResult } from '../../../src/runner/regression-suite.ts';

const base: ScenarioResult = {
  name: 'team',
  title: 'Team <A & B>',
  file: 'scenarios/regression/team.yaml',
  runId: 'run-1',
  status: 'pass',
  tasks: 3,
  digest: { expected: 'a'.repeat(64), actual: 'a'.repeat(64), match: true },
  baseline: { file: 'test/baselines/team.json', found: true, updated: false, scenarioChanged: false },
  differingTasks: [],
  metricChanges: [],
  thresholds: [{ expression: 'review_rounds.p95 <= 2', pass: true, actual: 2 }],
  problems: [],
  ms: 1500,
};
const failing: ScenarioResult = {
  ...base,
  name: 'strict',
  status: 'fail',
  digest: { expected: 'a'.repeat(64), actual: 'b'.repeat(64), match: false },
  differingTasks: ['t1'],
  metricChanges: [{ name: 'review_rounds.avg', baseline: 1.5, actual: 2 }],
  thresholds: [{ expression: 'escaped_defects == 0', pass: false, actual: 2 }],
  problems: ['outcome digest differs from the baseline', 'expect escaped_defects == 0 failed (actual 2)'],
};
const broken: ScenarioResult = { ...base, name: 'broken', status: 'error', runId: null, thresholds: [], error: 'Redis at redis://127.0.0.1:1 is not reachable', problems: ['x'] };
const report: RegressionReport = { status: 'fail', passed: 1, failed: 2, scenarios: [base, failing, broken], ms: 4000 };

describe('renderJunit', () => {
  const xml = renderJunit(report, new Date('2026-01-02T03:04:05Z'));

  it('has one suite per scenario and one case per check, with totals', () => {
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="asp regress" tests="5" failures="2" errors="1" time="4.000">/);
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toContain('<testsuite name="strict" tests="2" failures="2" errors="0" time="1.500" timestamp="2026-01-02T03:04:05">');
    expect(xml).toContain('<testcase classname="regress.team" name="expect: review_rounds.p95 &lt;= 2" time="0.000"/>');
    expect(xml).toContain('<failure message="outcome digest differs from the baseline" type="digest">');
    expect(xml).toContain('review_rounds.avg: 1.5 → 2');
    expect(xml).toContain('<error message="Redis at redis://127.0.0.1:1 is not reachable" type="run">');
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  it('escapes XML and drops forbidden control characters', () => {
    expect(esc(`a<b & "c" 'd'>\u0001`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
  });
});

describe('renderRegression', () => {
  it('prints a table and explains each failure', () => {
    const text = renderRegression(report, 'runs/regress-junit.xml');
    expect(text).toMatch(/team\s+3\s+match aaaaaaaaaaaa\s+1\/1\s+✔ pass/);
    expect(text).toMatch(/strict\s+3\s+CHANGED bbbbbbbbbbbb\s+0\/1\s+✖ FAIL/);
    expect(text).toContain('tasks    1 of 3 differ: t1');
    expect(text).toContain('metrics  review_rounds.avg 1.500 → 2');
    expect(text).toContain('expect   ✖ escaped_defects == 0   (actual 2)');
    expect(text).toContain('✖ 3 scenarios: 1 passed, 2 failed in 4.0 s · JUnit runs/regress-junit.xml');
  });
});
