import type { RegressionReport, ScenarioResult } from '../runner/regression-suite.ts';

/**
 * JUnit XML for CI: one <testsuite> per regression scenario, one <testcase>
 * for the baseline comparison and one per `expect:` threshold.
 */
export function renderJunit(report: RegressionReport, now = new Date()): string {
  const suites = report.scenarios.map((s) => suite(s, now));
  const tests = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const errors = suites.reduce((n, s) => n + s.errors, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="asp regress" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(report.ms)}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface Case {
  name: string;
  failure?: { message: string; type: string; body: string };
  error?: { message: string; body: string };
}

function suite(s: ScenarioResult, now: Date): { xml: string; tests: number; failures: number; errors: number } {
  const cases: Case[] = [];
  if (s.status === 'error') {
    cases.push({ name: 'run', error: { message: firstLine(s.error ?? 'error'), body: s.error ?? '' } });
  } else {
    const digestProblem = s.problems.find((p) => p.startsWith('outcome digest') || p.startsWith('no baseline') || p.startsWith('the run was'));
    const body = [
      `expected ${s.digest.expected ?? '(no baseline)'}`,
      `actual   ${s.digest.actual ?? '–'}`,
      s.differingTasks.length ? `tasks that differ: ${s.differingTasks.slice(0, 20).join(', ')}` : '',
      ...s.metricChanges.map((m) => `${m.name}: ${m.baseline ?? '–'} → ${m.actual ?? '–'}`),
    ]
      .filter(Boolean)
      .join('\n');
    cases.push({ name: 'outcome digest matches the baseline', ...(digestProblem ? { failure: { message: digestProblem, type: 'digest', body } } : {}) });
    for (const t of s.thresholds) {
      cases.push({
        name: `expect: ${t.expression}`,
        ...(t.pass ? {} : { failure: { message: `${t.expression} failed (actual ${t.actual ?? 'no data'})`, type: 'threshold', body: `actual ${t.actual ?? 'no data'}` } }),
      });
    }
  }
  const classname = `regress.${s.name}`;
  const lines = cases.map((c) => {
    const open = `    <testcase classname="${esc(classname)}" name="${esc(c.name)}" time="${seconds(c === cases[0] ? s.ms : 0)}"`;
    if (c.failure) return `${open}>\n      <failure message="${esc(c.failure.message)}" type="${c.failure.type}">${esc(c.failure.body)}</failure>\n    </testcase>`;
    if (c.error) return `${open}>\n      <error message="${esc(c.error.message)}" type="run">${esc(c.error.body)}</error>\n    </testcase>`;
    return `${open}/>`;
  });
  const failures = cases.filter((c) => c.failure).length;
  const errors = cases.filter((c) => c.error).length;
  const props = `    <properties>\n      <property name="file" value="${esc(s.file)}"/>\n      <property name="runId" value="${esc(s.runId ?? '')}"/>\n      <property name="digest" value="${esc(s.digest.actual ?? '')}"/>\n    </properties>`;
  const xml = `  <testsuite name="${esc(s.name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds(s.ms)}" timestamp="${now.toISOString().slice(0, 19)}">\n${props}\n${lines.join('\n')}\n  </testsuite>`;
  return { xml, tests: cases.length, failures, errors };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Escapes text for XML attributes and content; drops characters XML 1.0 forbids. */
export function esc(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
