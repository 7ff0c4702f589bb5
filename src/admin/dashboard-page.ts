import { asset, LIVE_SCRIPT, SCRIPTS, STYLESHEET } from './dashboard-assets.ts';
import type { RunDashboardData } from '../telemetry/telemetry-queries.ts';

/**
 * The dashboard page. `live` is served by `asp admin` (assets and data over
 * HTTP, with a run selector and health pills); `static` is one run's
 * self-contained report (runs/<runId>/report.html: data, chart.js and the
 * page scripts inlined, so it opens from disk with no network).
 */
export type DashboardPageOptions = { mode: 'live' } | { mode: 'static'; data: RunDashboardData };

const BODY = `
<main id="content">
  <p class="runline" id="runline"></p>
  <section class="kpis" id="kpis"></section>
  <section class="grid">
    <div class="card wide">
      <div class="head">
        <div><h2>Estimate vs actual</h2><p class="note" id="estimate-note"></p></div>
        <div class="toggle" id="est-toggle"><button data-cap="size" class="on">Size (LOC)</button><button data-cap="time">Time (minutes)</button></div>
      </div>
      <div class="chart"><canvas id="chart-estimates" aria-label="estimate vs actual"></canvas></div>
    </div>
    <div class="card">
      <h2>Prediction-interval hit rate by cycle</h2>
      <p class="note">Share of completed tasks whose actual fell inside the 70 % / 90 % interval; a calibrated PROBE sits on the dotted targets.</p>
      <div class="chart"><canvas id="chart-hitrate" aria-label="interval hit rate"></canvas></div>
    </div>
    <div class="card">
      <h2>Cycle time</h2>
      <p class="note">Simulated calendar time per cycle and per task, with review rounds per task.</p>
      <div class="chart"><canvas id="chart-cycletime" aria-label="cycle time"></canvas></div>
    </div>
    <div class="card">
      <h2>Time in phase per persona</h2>
      <p class="note">PSP time log: simulated hours each persona spent in each phase.</p>
      <div class="chart"><canvas id="chart-phases" aria-label="time in phase"></canvas></div>
    </div>
    <div class="card">
      <h2>Defects by phase</h2>
      <p class="note" id="defect-note"></p>
      <div class="chart"><canvas id="chart-defects" aria-label="defects by phase"></canvas></div>
    </div>
    <div class="card wide">
      <h2>Queue throughput</h2>
      <p class="note">Persona jobs completed per second (wall clock, from the step results), and their queue wait, processing time and end-to-end latency.</p>
      <div class="chart"><canvas id="chart-throughput" aria-label="queue throughput"></canvas></div>
      <div id="queue-table"></div>
    </div>
    <div class="card wide">
      <h2>Cycles</h2>
      <div id="cycle-table"></div>
    </div>
  </section>
</main>`;

/** Live mode only: the listeners that serve the queues (heartbeat, queue depth, last step), from /api/health. */
const LISTENERS = `
<section class="listeners" id="listeners-section">
  <div class="card wide">
    <h2>Listeners</h2>
    <p class="note">Each persona's listeners as their Redis heartbeats report them (e.g. the compose stack's standing containers), with the depth of the persona's queue and the last step each one finished.</p>
    <div id="listener-table"><p class="note">loading…</p></div>
  </div>
</section>
`;

export function renderDashboardPage(options: DashboardPageOptions): string {
  if (options.mode === 'live') {
    return page({
      title: 'ASP telemetry dashboard',
      head: `<link rel="stylesheet" href="assets/${STYLESHEET}">`,
      header: `<div class="health" id="health"></div><span class="spacer"></span><div class="picker"><label for="run-select">Run</label><select id="run-select"></select></div>`,
      top: LISTENERS,
      scripts: [...SCRIPTS, LIVE_SCRIPT].map((name) => `<script src="assets/${name}"></script>`).join('\n'),
      footer: 'Served by <code>asp admin</code> · data from the telemetry database · JSON at <a href="api/runs">api/runs</a>, <a href="api/experiments">api/experiments</a>',
      extra: EXPERIMENTS,
    });
  }
  const { data } = options;
  return page({
    title: `${data.run.scenario_name} · ${data.run.run_id} · ASP report`,
    head: `<style>\n${asset(STYLESHEET).body}\n</style>`,
    header: `<span class="spacer"></span><span class="pill">${escapeHtml(data.run.run_id)}</span>`,
    scripts: [
      ...SCRIPTS.map((name) => `<script>\n${inlineScript(asset(name).body)}\n</script>`),
      `<script id="asp-data" type="application/json">${inlineJson(data)}</script>`,
      `<script>window.AspDashboard.render(JSON.parse(document.getElementById('asp-data').textContent));</script>`,
    ].join('\n'),
    footer: `Static report written at the end of the run (${escapeHtml(data.generatedAt)}) · open <code>asp admin</code> for every run`,
  });
}

/** The live page's list of experiments (asp experiment / asp forecast); hidden while there are none. */
const EXPERIMENTS = `
<section class="grid" id="experiments" hidden>
  <div class="card wide">
    <h2>Experiments</h2>
    <p class="note">Variants × seeds (paired); each report is runs/experiments/&lt;id&gt;/report.html.</p>
    <div id="experiment-table"></div>
  </div>
</section>`;

function page(p: { title: string; head: string; header: string; top?: string; scripts: string; footer: string; extra?: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(p.title)}</title>
${p.head}
</head>
<body>
<header><h1>ASP telemetry<small>PROBE · PSP · TSP simulation</small></h1>${p.header}</header>
${p.top ?? ''}${BODY}${p.extra ?? ''}
<footer>${p.footer}</footer>
${p.scripts}
</body>
</html>
`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** JSON safe inside a <script> element (no `</script>` or `<!--` can appear). */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function inlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}
