// Fills the page for one run: headline figures, the plots (dashboard-charts.js)
// and the cycle and queue tables. Shared by the live dashboard and the static report.
(function () {
  'use strict';
  const C = window.AspCharts;
  const { fmt, hours, rate } = C;
  let current = null;
  let capability = 'size';

  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const pct = (x, d = 0) => (x === null || x === undefined ? '–' : `${fmt(x * 100, d)} %`);
  const byId = (id) => document.getElementById(id);
  const hit = (acc, cap, p) => (rate(acc, cap, p) === null ? null : rate(acc, cap, p) / 100);

  function kpi(label, value, sub, tone) {
    return `<div class="kpi ${tone ?? ''}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="sub">${esc(sub)}</div></div>`;
  }

  function kpis(d) {
    const r = d.run;
    const acc = d.estimates.accuracy;
    const s70 = hit(acc, 'size', 70);
    const cycleHours = d.cycles.filter((c) => c.cycleMinutes !== null).map((c) => c.cycleMinutes / 60);
    const meanCycle = cycleHours.length ? cycleHours.reduce((a, b) => a + b, 0) / cycleHours.length : null;
    const tokens = d.cost.reduce((s, c) => s + c.tokensIn + c.tokensOut, 0);
    const y = d.defects.processYield;
    byId('kpis').innerHTML = [
      kpi('Tasks done', `${r.tasks_done} / ${r.tasks}`, `${r.tasks_failed} failed · ${r.cycles} cycle${r.cycles === 1 ? '' : 's'}`, r.tasks_failed ? 'warn' : 'good'),
      kpi('Mean cycle time', meanCycle === null ? '–' : `${fmt(meanCycle, 1)} h`, `${fmt(hours(r.sim_minutes), 1)} h simulated in all`),
      kpi('Review yield', pct(y), `${d.defects.injected} injected · ${d.defects.escaped} escaped`, y === null ? '' : y >= 0.7 ? 'good' : 'warn'),
      kpi('Size in 70 % PI', pct(s70), `in 90 %: ${pct(hit(acc, 'size', 90))} · time in 70 %: ${pct(hit(acc, 'time', 70))}`, s70 === null ? '' : s70 >= 0.6 ? 'good' : 'warn'),
      kpi('Size MMRE', pct(acc.size.mmre), `time MMRE ${pct(acc.time.mmre)} · phase ${acc.size.phase}`, acc.size.mmre === null ? '' : acc.size.mmre <= 0.25 ? 'good' : 'warn'),
      kpi('Cost', `$${fmt(r.cost_usd, 2)}`, `${fmt(tokens)} tokens · ${fmt(d.throughput.jobsPerSecond, 1)} jobs/s`),
    ].join('');
  }

  function runline(d) {
    const r = d.run;
    byId('runline').innerHTML =
      `<span class="status ${esc(r.status)}">${esc(r.status)}</span><b>${esc(r.scenario_name)}</b> · ${esc(r.run_id)} · seed ${esc(r.seed)} · ${esc(r.runtime)} runtime · workspace ${esc(r.workspace_mode)}` +
      ` · started ${esc(r.started_at.replace('T', ' ').slice(0, 19))} UTC · ${fmt((r.wall_ms ?? 0) / 1000, 1)} s wall · ${fmt(r.steps)} persona steps`;
  }

  function table(id, headers, rows) {
    byId(id).innerHTML = `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
      .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  }

  function tables(d) {
    const acc = new Map(d.estimates.byCycle.map((c) => [c.cycle, c.accuracy]));
    table(
      'cycle-table',
      [
        'cycle',
        'tasks',
        'done',
        'failed',
        'cycle h',
        'lead h',
        'review rounds',
        'rework steps',
        'rework h',
        'defects inj / review / accept / esc',
        'review yield',
        'size in 70 %',
        'time in 70 %',
        'size MMRE',
        'cost $',
      ],
      d.cycles.map((c) => {
        const a = acc.get(c.cycle);
        return [
          c.name,
          c.tasks,
          c.done,
          c.failed,
          fmt(hours(c.cycleMinutes), 1),
          fmt(hours(c.meanTaskMinutes), 1),
          c.reviewRounds,
          c.reworkSteps,
          fmt(hours(c.reworkMinutes), 1),
          `${c.defectsInjected} / ${c.removedInReview} / ${c.removedInAcceptance} / ${c.escaped}`,
          pct(c.defects.processYield),
          a ? pct(hit(a, 'size', 70)) : '–',
          a ? pct(hit(a, 'time', 70)) : '–',
          a ? pct(a.size.mmre) : '–',
          fmt(c.costUsd, 2),
        ];
      }),
    );
    const cost = new Map(d.cost.map((c) => [c.persona, c]));
    table(
      'queue-table',
      ['persona', 'jobs', 'jobs/s', 'queue wait p50 / p95 ms', 'processing p50 / p95 ms', 'latency p50 / p95 ms', 'sim hours', 'tokens', 'cost $'],
      d.throughput.personas.map((p) => {
        const c = cost.get(p.persona);
        return [
          p.persona,
          p.jobs,
          fmt(p.jobsPerSecond, 1),
          `${p.queueWaitMs.p50} / ${p.queueWaitMs.p95}`,
          `${p.processingMs.p50} / ${p.processingMs.p95}`,
          `${p.latencyMs.p50} / ${p.latencyMs.p95}`,
          c ? fmt(hours(c.minutes), 1) : '–',
          c ? fmt(c.tokensIn + c.tokensOut) : '–',
          c ? fmt(c.costUsd, 2) : '–',
        ];
      }),
    );
    const y = d.defects.phases.filter((p) => p.yield !== null).map((p) => `${p.phase} yield ${pct(p.yield)} of ${p.present}`);
    byId('defect-note').textContent = `Injected by phase (orange), removed by phase (green), escaped after acceptance (red). ${y.join(' · ')}.`;
    const more = d.estimates.pointsTotal - d.estimates.points.length;
    byId('estimate-note').textContent =
      'PROBE projection per task (dash) with its 70 % and 90 % prediction intervals (bands); dots are actuals: green inside 70 %, amber inside 90 %, red outside; grey for failed tasks (not counted in the accuracy).' +
      (more > 0 ? ` Showing the last ${d.estimates.points.length} of ${d.estimates.pointsTotal} estimates.` : '');
  }

  function render(d) {
    current = d;
    runline(d);
    kpis(d);
    C.estimates(d, capability);
    C.hitRate(d);
    C.cycleTime(d);
    C.phases(d);
    C.defects(d);
    C.throughput(d);
    tables(d);
    document.body.dataset.ready = d.run.run_id;
  }

  function bindToggle() {
    const toggle = byId('est-toggle');
    if (!toggle) return;
    toggle.addEventListener('click', (ev) => {
      const button = ev.target.closest('button[data-cap]');
      if (!button || !current) return;
      capability = button.dataset.cap;
      toggle.querySelectorAll('button').forEach((b) => b.classList.toggle('on', b === button));
      C.estimates(current, capability);
    });
  }

  function empty(message) {
    byId('content').innerHTML = `<div class="empty">${esc(message)}</div>`;
    document.body.dataset.ready = 'empty';
  }

  bindToggle();
  window.AspDashboard = { render, empty, esc, table };
})();
