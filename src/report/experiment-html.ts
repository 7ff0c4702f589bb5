import { asset, CHART_JS } from '../admin/dashboard-assets.ts';
import { escapeHtml, inlineJson } from '../admin/dashboard-page.ts';
import type { ExperimentResults } from '../experiment/experiment-results.ts';

/**
 * report.html of an experiment: self-contained (chart.js inlined, no
 * network). Per metric, each variant's 95 % interval of the mean as a bar
 * with the mean as a dot; the difference sentences; the forecast fan chart
 * (percentile bands of tasks done over the simulated calendar) per variant.
 */
export function renderExperimentHtml(r: ExperimentResults): string {
  const metrics = (r.variants[0]?.metrics ?? []).map((m, i) => ({
    label: m.label,
    ref: m.metric,
    variants: r.variants.map((v) => {
      const d = v.metrics[i]?.description;
      return {
        label: v.label,
        baseline: v.baseline,
        mean: d?.mean ?? null,
        low: d?.ci?.low ?? null,
        high: d?.ci?.high ?? null,
        n: d?.n ?? 0,
        significant: v.metrics[i]?.difference?.significant ?? false,
      };
    }),
  }));
  const fans = r.variants.map((v) => ({ label: v.label, fan: v.forecast.fan }));
  const sentences = r.variants
    .filter((v) => !v.baseline)
    .map(
      (v) =>
        `<h3>${escapeHtml(v.label)}</h3><ul>${v.metrics.map((m) => (m.sentence ? `<li class="${m.difference?.significant ? 'claim' : 'none'}">${escapeHtml(m.sentence)}</li>` : '')).join('')}</ul>`,
    )
    .join('\n');
  const forecastRows = r.variants
    .map((v) => {
      const f = v.forecast;
      const range = (s: { low: number; high: number } | null) => (s ? `${s.low.toFixed(1)}–${s.high.toFixed(1)}` : '–');
      return `<tr><td>${escapeHtml(v.label)}</td><td>${f.runs}</td><td>${f.endDays.p50?.toFixed(1) ?? '–'}</td><td>${range(f.endDays.range70)}</td><td>${range(f.endDays.range90)}</td><td>${f.effortHours.p50?.toFixed(0) ?? '–'}</td><td>${range(f.effortHours.range70)}</td><td>${range(f.effortHours.range90)}</td><td>${f.by ? `${Math.round(f.by.probability * 100)} % by ${f.by.days.toFixed(0)} d` : '–'}</td></tr>`;
    })
    .join('\n');
  const baseline = r.variants.find((v) => v.baseline)?.label ?? '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Experiment ${escapeHtml(r.name)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px} h2{font-size:16px;margin-top:28px} h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;margin:12px 0} td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left} .chart{height:240px;margin:10px 0 22px} .grid{display:grid;grid-template-columns:1fr 1fr;gap:0 24px}
.claim{font-weight:600} .none{color:#666} code{font-size:12px;color:#555}
</style></head><body>
<h1>${escapeHtml(r.name)}</h1>
<p>${r.variants.length} variant(s) × ${r.seeds.length} seeds = ${r.runs} runs of <b>${escapeHtml(r.baseScenario.name)}</b> (<code>${escapeHtml(r.baseScenario.file)}</code>).
${r.variants.length > 1 ? `Baseline: <b>${escapeHtml(baseline)}</b>. The same seeds run in every variant, so differences are paired; bars are ${r.confidence} % confidence intervals of the mean (Student's t), dots the means.` : ''}
Results digest <code>${r.digest}</code>.</p>
${r.variants.length > 1 ? `<h2>Differences from the baseline</h2>${sentences}<h2>Metrics by variant</h2><div class="grid">${metrics.map((_, i) => `<div><div class="chart"><canvas id="metric-${i}"></canvas></div></div>`).join('')}</div>` : ''}
<h2>Completion forecast</h2>
<table><tr><th>variant</th><th>runs</th><th>end p50 (d)</th><th>end 70 %</th><th>end 90 %</th><th>effort p50 (h)</th><th>effort 70 %</th><th>effort 90 %</th><th>deadline</th></tr>
${forecastRows}</table>
<div class="grid">${fans.map((_, i) => `<div class="chart"><canvas id="fan-${i}"></canvas></div>`).join('')}</div>
<script>${asset(CHART_JS).body}</script>
<script>
const metrics = ${inlineJson(metrics)};
const fans = ${inlineJson(fans)};
metrics.forEach((m, i) => new Chart(document.getElementById('metric-' + i), {
  data: {
    labels: m.variants.map((v) => v.label + (v.baseline ? ' (baseline)' : '')),
    datasets: [
      { type: 'bar', label: '95 % CI of the mean', data: m.variants.map((v) => v.low === null ? null : [v.low, v.high]),
        backgroundColor: m.variants.map((v) => v.baseline ? '#8c959f' : v.significant ? '#0969da' : '#9ecbff'), barPercentage: 0.5 },
      { type: 'line', label: 'mean', data: m.variants.map((v) => v.mean), showLine: false, pointRadius: 4, pointBackgroundColor: '#cf222e', borderColor: '#cf222e' },
    ],
  },
  options: { animation: false, maintainAspectRatio: false, indexAxis: 'x', plugins: { title: { display: true, text: m.label + ' (' + m.ref + ')' }, legend: { display: false } } },
}));
const band = (label, data, fill, color) => ({ label, data, fill, borderColor: color, backgroundColor: color + '33', pointRadius: 0, borderWidth: 1 });
fans.forEach((f, i) => new Chart(document.getElementById('fan-' + i), {
  type: 'line',
  data: { labels: f.fan.days, datasets: [
    band('p10', f.fan.bands.p10, false, '#0969da'), band('p90', f.fan.bands.p90, '-1', '#0969da'),
    band('p25', f.fan.bands.p25, false, '#0550ae'), band('p75', f.fan.bands.p75, '-1', '#0550ae'),
    { label: 'median', data: f.fan.bands.p50, borderColor: '#cf222e', pointRadius: 0, borderWidth: 2, fill: false },
  ] },
  options: { animation: false, maintainAspectRatio: false, plugins: { title: { display: true, text: 'Tasks done over working days — ' + f.label } },
    scales: { x: { title: { display: true, text: 'working days' }, ticks: { maxTicksLimit: 10 } }, y: { beginAtZero: true, suggestedMax: f.fan.total, title: { display: true, text: 'tasks done' } } } },
}));
</script>
</body></html>
`;
}
