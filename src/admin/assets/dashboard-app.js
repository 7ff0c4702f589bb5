// The live dashboard served by `asp admin`: run selector, health pills, and the
// run view (dashboard-view.js) fed from the JSON API. Relative URLs, so the
// page also works behind a path prefix.
(function () {
  'use strict';
  const V = window.AspDashboard;
  const select = document.getElementById('run-select');

  async function getJson(url) {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok && response.status !== 503) throw new Error(body.error || `${url}: HTTP ${response.status}`);
    return body;
  }

  function label(r) {
    const when = r.started_at.replace('T', ' ').slice(0, 16);
    return `${when} · ${r.scenario_name} · ${r.tasks_done}/${r.tasks} done · ${r.status}`;
  }

  async function showRun(runId) {
    try {
      V.render(await getJson(`api/runs/${encodeURIComponent(runId)}`));
    } catch (err) {
      V.empty(`Cannot load run ${runId}: ${err.message}`);
    }
  }

  async function refreshHealth() {
    const box = document.getElementById('health');
    try {
      const report = await getJson('api/health');
      // One pill per group (redis, database, listeners, queues): the worst status, details on hover.
      const rank = { ok: 0, warn: 1, down: 2 };
      const groups = new Map();
      for (const c of report.checks) groups.set(c.group, [...(groups.get(c.group) || []), c]);
      box.innerHTML = [...groups]
        .map(([group, checks]) => {
          const worst = checks.reduce((w, c) => (rank[c.status] > rank[w] ? c.status : w), 'ok');
          const ok = checks.filter((c) => c.status === 'ok').length;
          const text = checks.length > 1 ? `${group} ${ok}/${checks.length}` : group;
          const title = checks.map((c) => `${c.name}: ${c.status} — ${c.detail}`).join('\n');
          return `<span class="pill ${V.esc(worst)}" title="${V.esc(title)}">${V.esc(text)}</span>`;
        })
        .join('');
    } catch (err) {
      box.innerHTML = `<span class="pill down" title="${V.esc(err.message)}">health unavailable</span>`;
    }
  }

  async function start() {
    refreshHealth();
    setInterval(refreshHealth, 15000);
    let runs;
    try {
      runs = (await getJson('api/runs')).runs;
    } catch (err) {
      V.empty(`Cannot list runs: ${err.message}`);
      return;
    }
    if (runs.length === 0) {
      select.disabled = true;
      V.empty('No runs in the telemetry database yet. Run a scenario: npm run simulate scenarios/task-a.yaml');
      return;
    }
    select.innerHTML = runs.map((r) => `<option value="${V.esc(r.run_id)}">${V.esc(label(r))}</option>`).join('');
    const wanted = decodeURIComponent(location.hash.slice(1));
    const initial = runs.some((r) => r.run_id === wanted) ? wanted : runs[0].run_id;
    select.value = initial;
    select.addEventListener('change', () => {
      location.hash = encodeURIComponent(select.value);
      showRun(select.value);
    });
    await showRun(initial);
  }

  start();
})();
