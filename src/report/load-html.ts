import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { HistogramSummary } from '../runner/latency-histogram.ts';
import type { LoadReport } from '../runner/load-test.ts';
import { formatMetric } from '../thresholds/metric-units.ts';
import type { ThresholdOutcome } from '../thresholds/threshold-evaluator.ts';

const BYTES = { kind: 'bytes' } as const;

/**
 * load.html: a self-contained page (no network) with the load test's plots —
 * throughput and queue depth over time, the end-to-end latency distribution —
 * and its tables. chart.js's UMD build is read from node_modules and inlined.
 */
function chartJs(): string {
  const require = createRequire(import.meta.url);
  // The package's `require` entry is dist/chart.cjs; the UMD build sits beside it.
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
/** JSON safe inside <script>: no "</script>" and no HTML comment openers. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

function latencyRows(report: LoadReport): string {
  const row = (name: string, s: HistogramSummary) => `<tr><td>${esc(name)}</td><td>${s.count}</td>${[s.p50, s.p90, s.p95, s.p99, s.max].map((v) => `<td>${v.toFixed(1)}</td>`).join('')}</tr>`;
  const rows = [row('task end to end', report.metrics.latency.e2e)];
  for (const [p, q] of Object.entries(report.metrics.latency.queues)) {
    rows.push(row(`${p} queue wait`, q.wait), row(`${p} processing`, q.processing), row(`${p} result delivery`, q.delivery));
  }
  return rows.join('\n');
}

export function renderLoadHtml(report: LoadReport, thresholds: readonly ThresholdOutcome[]): string {
  const { config: c, metrics: m } = report;
  const data = {
    throughput: m.throughput.series,
    depth: m.queues.series,
    memory: m.memory.series,
    bins: m.latency.e2eBins,
    personas: Object.keys(m.queues.peakDepth),
  };
  const facts: Array<[string, string]> = [
    ['tasks', `${m.tasks.finished}/${c.tasks} finished (${m.tasks.done} done, ${m.errors.count} errors, ${m.tasks.failed - m.errors.count} failed by the model)`],
    ['throughput', `${m.throughput.tasksPerS.toFixed(1)} tasks/s · ${m.throughput.jobsPerS.toFixed(1)} jobs/s`],
    ['time', `${(report.wallMs / 1000).toFixed(1)} s wall · ${(m.activeMs / 1000).toFixed(1)} s first start → last end`],
    ['load model', c.model === 'open' ? `open: ${c.arrivalRate} tasks/s (≤ ${c.concurrency} in flight)` : `closed: ${c.concurrency} tasks in flight`],
    ['listeners', `${c.listenersPerPersona} per persona × ${c.listenerConcurrency} jobs · runtime ${c.runtime} · workspace ${c.workspace}`],
    ['jobs', `${m.jobs.total} · ${m.jobs.retries} retries`],
    ['memory', `runner RSS ${formatMetric(m.memory.rssPeakBytes, BYTES)} peak · heap ${formatMetric(m.memory.heapPeakBytes, BYTES)} · Redis ${formatMetric(m.memory.redisPeakBytes, BYTES)} peak`],
    ['database', `${report.database.total ?? 'n/a'} rows`],
  ];
  const thresholdList = thresholds
    .map((o) => `<li class="${o.pass ? 'pass' : 'fail'}">${o.pass ? '✓' : '✗'} <code>${esc(o.threshold.source)}</code> — actual ${esc(formatMetric(o.actual, o.threshold.unit))}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test ${esc(report.runId)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px} table{border-collapse:collapse;margin:12px 0} td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left} .chart{height:280px;margin:18px 0} .pass{color:#1a7f37} .fail{color:#cf222e;font-weight:600}
dl{display:grid;grid-template-columns:140px 1fr;gap:2px 12px} dt{color:#666}
</style></head><body>
<h1>Load test ${esc(report.runId)} — ${esc(c.scenario)}</h1>
<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
${thresholds.length ? `<h2>Thresholds</h2><ul>${thresholdList}</ul>` : ''}
<h2>Throughput over time</h2><div class="chart"><canvas id="throughput"></canvas></div>
<h2>Queue depth over time (waiting + active, peak per interval)</h2><div class="chart"><canvas id="depth"></canvas></div>
<h2>Memory over time (MB, peak per interval)</h2><div class="chart"><canvas id="memory"></canvas></div>
<h2>End-to-end latency distribution</h2><div class="chart"><canvas id="latency"></canvas></div>
<h2>Latency percentiles (ms)</h2>
<table><tr><th></th><th>count</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th></tr>
${latencyRows(report)}
</table>
<p>Percentiles are nearest-rank over log-bucket histograms (within 0.5 %).</p>
<script>${chartJs()}</script>
<script>
const data = ${scriptJson(data)};
const colors = ['#0969da', '#cf222e', '#1a7f37', '#8250df'];
const line = (id, points, sets, y) => new Chart(document.getElementById(id), {
  type: 'line',
  data: { datasets: sets.map((s, i) => ({ label: s.label, data: points.map((p) => ({ x: p.t, y: s.value(p) })), borderColor: colors[i % 4], pointRadius: 0, borderWidth: 1.5 })) },
  options: { animation: false, parsing: true, maintainAspectRatio: false, scales: { x: { type: 'linear', min: 0, title: { display: true, text: 'seconds since start' } }, y: { beginAtZero: true, title: { display: true, text: y } } } },
});
line('throughput', data.throughput, [
  { label: 'tasks/s', value: (p) => p.tasksPerS },
  { label: 'jobs/s', value: (p) => p.jobsPerS },
], 'per second');
line('depth', data.depth, data.personas.map((name) => ({ label: name, value: (p) => p.values[name] ?? 0 })), 'jobs');
line('memory', data.memory, [
  { label: 'runner RSS', value: (p) => p.values.rssMB },
  { label: 'runner heap used', value: (p) => p.values.heapMB },
  { label: 'Redis used_memory', value: (p) => p.values.redisMB },
], 'MB');
new Chart(document.getElementById('latency'), {
  type: 'bar',
  data: { labels: data.bins.map((b) => b.to < 1000 ? b.to.toFixed(0) + ' ms' : (b.to / 1000).toFixed(2) + ' s'), datasets: [{ label: 'tasks (upper bound of bin)', data: data.bins.map((b) => b.count), backgroundColor: '#0969da' }] },
  options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true, title: { display: true, text: 'tasks' } } } },
});
</script>
</body></html>
`;
}
