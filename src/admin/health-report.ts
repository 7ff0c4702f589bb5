import { renderTable } from '../report/text-table.ts';
import type { HealthReport, HealthStatus } from './health-checks.ts';

const ICON: Record<HealthStatus, string> = { ok: '✔ ok', warn: '▲ warn', down: '✖ DOWN' };

/** The health report as a person reads it in the terminal. */
export function renderHealth(report: HealthReport): string {
  const table = renderTable(report.checks, [
    { header: 'check', value: (c) => c.name, align: 'left' },
    { header: 'status', value: (c) => ICON[c.status], align: 'left' },
    { header: 'detail', value: (c) => c.detail, align: 'left' },
  ]);
  const down = report.checks.filter((c) => c.status === 'down').length;
  const warn = report.checks.filter((c) => c.status === 'warn').length;
  const verdict = report.ok
    ? `healthy${warn > 0 ? ` (${warn} warning${warn === 1 ? '' : 's'})` : ''}`
    : `UNHEALTHY: ${down} check${down === 1 ? '' : 's'} down${warn > 0 ? `, ${warn} warning${warn === 1 ? '' : 's'}` : ''}`;
  return `${table}\n\n${verdict} at ${report.checkedAt}\n`;
}
