import type { RunSummary, TaskSummaryRow } from '../engine/run-summary-types.ts';
import { runHeadline } from './run-headline.ts';
import { terminalSafe } from './terminal-text.ts';
import { percent, renderTable, type Column } from './text-table.ts';

const formatActual = (v: number | null) => (v === null ? 'no data' : Number.isInteger(v) ? String(v) : v.toFixed(3));

const range = (lo?: number, hi?: number) => (lo === undefined || hi === undefined ? '–' : `${Math.round(lo)}–${Math.round(hi)}`);

const TASK_COLUMNS: Column<TaskSummaryRow>[] = [
  { header: 'task', value: (r) => r.taskId, align: 'left' },
  { header: 'cyc', value: (r) => r.cycle },
  { header: 'state', value: (r) => r.state, align: 'left' },
  { header: 'rounds', value: (r) => r.reviewRounds },
  { header: 'size est', value: (r) => (r.estSize === undefined ? undefined : `${Math.round(r.estSize)} (${r.sizeMethod})`) },
  { header: 'size 70%', value: (r) => range(r.sizeLpi70, r.sizeUpi70) },
  { header: 'size act', value: (r) => r.actualSize },
  { header: 'min est', value: (r) => (r.estMinutes === undefined ? undefined : `${Math.round(r.estMinutes)} (${r.timeMethod})`) },
  { header: 'min 70%', value: (r) => range(r.timeLpi70, r.timeUpi70) },
  { header: 'min act', value: (r) => Math.round(r.actualMinutes) },
  { header: 'defects inj/found/esc', value: (r) => `${r.injected}/${r.found}/${r.escaped}` },
];

/** The end-of-run report a person reads in the terminal. */
export function renderSummary(s: RunSummary): string {
  const t = s.totals;
  const out: string[] = [];
  const checks = s.expectations ?? [];
  out.push(runHeadline({ status: s.status, tasks: t.tasks, done: t.done, failedBy: t.failedBy ?? {}, checks }));
  out.push(`  ${s.scenario} · run ${s.runId} · ${(s.wallMs / 1000).toFixed(1)} s · seed ${s.seed}, ${s.runtime} runtime, workspace ${s.workspace}`);
  const agents = Object.entries(s.commandAgents ?? {});
  if (agents.length > 0) {
    out.push(`  non-deterministic: command agents play ${agents.map(([p, c]) => `${p} (${c})`).join(', ')}; time is their measured wall clock, so the digest varies from run to run`);
  }
  out.push('');
  out.push(renderTable(s.tasks, TASK_COLUMNS));
  if (s.tasksListed < t.tasks) out.push(`… ${t.tasks - s.tasksListed} more tasks in the database`);
  const failures = s.tasks.filter((r) => r.failure);
  for (const f of failures.slice(0, 5)) out.push(`  ✖ ${f.taskId}: ${f.failure}`);
  out.push('');
  if (s.cycles.length > 1) {
    out.push(
      renderTable(s.cycles, [
        { header: 'cycle', value: (c) => c.name, align: 'left' },
        { header: 'tasks', value: (c) => c.tasks },
        { header: 'done', value: (c) => c.done },
        { header: 'sim hours', value: (c) => (c.cycleMinutes / 60).toFixed(1) },
        { header: 'size in 70%', value: (c) => percent(c.accuracy.size.hitRates.find((h) => h.percent === 70)?.rate) },
        { header: 'size in 90%', value: (c) => percent(c.accuracy.size.hitRates.find((h) => h.percent === 90)?.rate) },
        { header: 'time in 70%', value: (c) => percent(c.accuracy.time.hitRates.find((h) => h.percent === 70)?.rate) },
        { header: 'size MMRE', value: (c) => percent(c.accuracy.size.mmre) },
        { header: 'time MMRE', value: (c) => percent(c.accuracy.time.mmre) },
        { header: 'util A/S/J', value: (c) => `${percent(c.utilisation.alex)}/${percent(c.utilisation.sarah)}/${percent(c.utilisation.jordan)}` },
      ]),
    );
    out.push('');
  }
  const a = s.accuracy;
  const hit = (cap: typeof a.size, p: number) => {
    const h = cap.hitRates.find((x) => x.percent === p);
    return h && h.count > 0 ? `${percent(h.rate)} of ${h.count}` : '–';
  };
  out.push(`PROBE accuracy  size: in 70% ${hit(a.size, 70)}, in 90% ${hit(a.size, 90)}, MMRE ${percent(a.size.mmre)}, bias ${percent(a.size.bias)}, phase ${a.size.phase}`);
  out.push(`                time: in 70% ${hit(a.time, 70)}, in 90% ${hit(a.time, 90)}, MMRE ${percent(a.time.mmre)}, bias ${percent(a.time.bias)}, phase ${a.time.phase}`);
  out.push(
    `Quality         defects injected ${t.defectsInjected}, found in review ${t.defectsFoundInReview} (yield ${percent(t.reviewYield)}), in acceptance ${t.defectsFoundInAcceptance}, escaped ${t.defectsEscaped}; review rounds ${t.reviewRounds}`,
  );
  if (checks.length > 0) out.push(`Thresholds      ${checks.map((c) => `${c.pass ? '✔' : '✖'} ${c.expression} (actual ${formatActual(c.actual)})`).join(', ')}`);
  out.push(`Calendar        ${(t.simMinutes / 60).toFixed(1)} simulated hours${t.costUsd > 0 ? `, AI cost $${t.costUsd.toFixed(2)}` : ''}`);
  out.push('');
  out.push(`database   ${s.paths.database}`);
  if (s.paths.workspace) out.push(`workspace  ${s.paths.workspace}`);
  out.push(`logs       ${s.paths.log}`);
  out.push(`digest     ${s.digest}`);
  if (s.error) out.push(`error      ${s.error}`);
  // Names and titles come from the scenario file: no control characters reach the terminal.
  return terminalSafe(`${out.join('\n')}\n`);
}
