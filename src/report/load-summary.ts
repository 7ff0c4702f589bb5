import type { HistogramSummary } from '../runner/latency-histogram.ts';
import type { LoadReport } from '../runner/load-test.ts';
import { describeOutcome, type ThresholdOutcome } from '../thresholds/threshold-evaluator.ts';
import { runHeadline } from './run-headline.ts';
import { renderTable } from './text-table.ts';

/** The terminal summary of `asp load`: configuration, throughput, latency table, resources, thresholds. */
export function renderLoadSummary(report: LoadReport, thresholds: readonly ThresholdOutcome[], files: { json: string; html: string }): string {
  const { config: c, metrics: m } = report;
  const out: string[] = [];
  const { 'round-limit': roundLimit, rejected, 'step-failed': stepFailed } = m.tasks.byEnd;
  out.push(
    runHeadline({
      status: report.status,
      tasks: m.tasks.finished,
      done: m.tasks.done,
      failedBy: { 'round-limit': roundLimit, rejected, 'step-failed': stepFailed },
      checks: thresholds.map((o) => ({ expression: o.threshold.source, pass: o.pass })),
    }),
  );
  const model = c.model === 'open' ? `open model, ${c.arrivalRate}/s arrivals (≤ ${c.concurrency} in flight)` : `${c.concurrency} tasks in flight`;
  out.push(
    `Load test ${report.runId}: ${c.tasks} tasks, ${model}, ${c.listenersPerPersona} listener(s)/persona × ${c.listenerConcurrency} jobs, runtime ${c.runtime}, workspace ${c.workspace}, seed ${c.seed}`,
  );
  out.push('');
  const t = m.tasks;
  out.push(
    `Tasks     ${t.finished}/${c.tasks} finished: ${t.done} done, ${t.byEnd['round-limit']} round limit, ${t.byEnd.rejected} rejected, ${t.byEnd['step-failed']} errors` +
      ` (error rate ${(m.errors.rate * 100).toFixed(2)} %)`,
  );
  out.push(`Jobs      ${m.jobs.total} (${(m.jobs.total / Math.max(1, t.finished)).toFixed(2)} per task), ${m.jobs.retries} retries on ${m.jobs.retriedJobs} jobs`);
  out.push(`Time      ${seconds(report.wallMs)} wall, ${seconds(m.activeMs)} from first task start to last task end`);
  out.push(`Throughput ${m.throughput.tasksPerS.toFixed(1)} tasks/s, ${m.throughput.jobsPerS.toFixed(1)} jobs/s`);
  out.push('');
  const rows: Array<{ name: string; s: HistogramSummary }> = [{ name: 'task end to end', s: m.latency.e2e }];
  for (const [persona, q] of Object.entries(m.latency.queues)) {
    rows.push({ name: `${persona} queue wait`, s: q.wait }, { name: `${persona} processing`, s: q.processing }, { name: `${persona} result delivery`, s: q.delivery });
  }
  out.push(
    renderTable(rows, [
      { header: 'latency (ms)', value: (r) => r.name, align: 'left' },
      { header: 'count', value: (r) => r.s.count },
      { header: 'p50', value: (r) => ms(r.s.p50) },
      { header: 'p90', value: (r) => ms(r.s.p90) },
      { header: 'p95', value: (r) => ms(r.s.p95) },
      { header: 'p99', value: (r) => ms(r.s.p99) },
      { header: 'max', value: (r) => ms(r.s.max) },
    ]),
  );
  out.push('');
  const depth = Object.entries(m.queues.peakDepth)
    .map(([p, d]) => `${p} ${d}`)
    .join(', ');
  out.push(`Queues    peak depth (waiting + active): ${depth}`);
  const redis = m.memory.redisPeakBytes === null ? 'n/a' : `${mb(m.memory.redisPeakBytes)} peak (${mb(m.memory.redisBaselineBytes ?? 0)} at start, whole server)`;
  out.push(`Memory    runner RSS ${mb(m.memory.rssPeakBytes)} peak, heap ${mb(m.memory.heapPeakBytes)} peak; Redis ${redis}`);
  const rows2 = Object.entries(report.database.rows)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(`Database  ${report.database.total ?? 'n/a'} rows written (${rows2 || 'unreadable'}) → ${report.database.path}`);
  if (thresholds.length > 0) {
    out.push('');
    out.push(`Thresholds (${thresholds.filter((o) => o.pass).length}/${thresholds.length} met)`);
    for (const o of thresholds) out.push(`  ${describeOutcome(o)}`);
  }
  out.push('');
  out.push(`Report    ${files.json}`);
  out.push(`          ${files.html}`);
  out.push(`Log       ${report.paths.log}`);
  if (report.status === 'interrupted') out.push('Interrupted: the figures cover the tasks that finished.');
  return `${out.join('\n')}\n`;
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

function seconds(v: number): string {
  return `${(v / 1000).toFixed(1)} s`;
}

function mb(v: number): string {
  return `${(v / 1024 / 1024).toFixed(1)} MB`;
}
