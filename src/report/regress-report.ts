import type { RegressionReport, ScenarioResult } from '../runner/regression-suite.ts';
import { renderTable } from './text-table.ts';

const short = (d: string | null) => (d ? d.slice(0, 12) : '–');
const num = (v: number | null) => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(3));

function digestCell(s: ScenarioResult): string {
  if (s.baseline.updated) return 'updated';
  if (s.digest.match === null) return s.status === 'error' ? '–' : 'no baseline';
  return s.digest.match ? 'match' : 'CHANGED';
}

/** The table a person reads after `asp regress`, with details for each failing scenario. */
export function renderRegression(report: RegressionReport, junitFile?: string): string {
  const out: string[] = [];
  out.push(
    renderTable(report.scenarios, [
      { header: 'scenario', value: (s) => s.name, align: 'left' },
      { header: 'tasks', value: (s) => s.tasks },
      { header: 'digest', value: (s) => `${digestCell(s)} ${short(s.digest.actual)}`, align: 'left' },
      { header: 'expect', value: (s) => `${s.thresholds.filter((t) => t.pass).length}/${s.thresholds.length}` },
      { header: 'result', value: (s) => (s.status === 'pass' ? '✔ pass' : s.status === 'fail' ? '✖ FAIL' : '✖ ERROR'), align: 'left' },
      { header: 'time', value: (s) => `${(s.ms / 1000).toFixed(1)} s` },
    ]),
  );
  for (const s of report.scenarios) {
    if (s.status === 'pass' && !s.thresholds.some((t) => !t.pass)) continue;
    out.push('');
    out.push(`✖ ${s.name} — ${s.title} (${s.file}${s.runId ? `, run ${s.runId}` : ''})`);
    if (s.error) out.push(`    error    ${s.error.replace(/\n/g, '\n             ')}`);
    if (s.digest.match === false) {
      out.push(`    digest   baseline ${s.digest.expected} (${s.baseline.file})`);
      out.push(`             actual   ${s.digest.actual}${s.baseline.scenarioChanged ? '  — the scenario file changed since the baseline' : ''}`);
      const listed = s.differingTasks.slice(0, 10).join(', ');
      out.push(`    tasks    ${s.differingTasks.length} of ${s.tasks} differ: ${listed}${s.differingTasks.length > 10 ? ', …' : ''}`);
      if (s.metricChanges.length) out.push(`    metrics  ${s.metricChanges.map((m) => `${m.name} ${num(m.baseline)} → ${num(m.actual)}`).join('; ')}`);
    }
    for (const p of s.problems) if (p.startsWith('no baseline') || p.startsWith('the run was')) out.push(`    ${p}`);
    for (const t of s.thresholds) if (!t.pass) out.push(`    expect   ✖ ${t.expression}   (actual ${num(t.actual)})`);
  }
  out.push('');
  const updated = report.scenarios.filter((s) => s.baseline.updated).length;
  out.push(
    `${report.status === 'pass' ? '✔' : '✖'} ${report.scenarios.length} scenario${report.scenarios.length === 1 ? '' : 's'}: ${report.passed} passed, ${report.failed} failed` +
      `${updated ? `, ${updated} baseline${updated === 1 ? '' : 's'} written` : ''} in ${(report.ms / 1000).toFixed(1)} s${junitFile ? ` · JUnit ${junitFile}` : ''}`,
  );
  return `${out.join('\n')}\n`;
}
