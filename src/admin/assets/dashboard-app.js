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
      renderListeners(report.checks);
    } catch (err) {
      box.innerHTML = `<span class="pill down" title="${V.esc(err.message)}">health unavailable</span>`;
    }
  }

  function ago(ms) {
    if (ms === null || ms === undefined) return '–';
    return ms < 1000 ? `${ms} ms ago` : `${(ms / 1000).toFixed(1)} s ago`;
  }

  // One row per listener: heartbeat, jobs, its persona's queue depth, last step.
  function renderListeners(checks) {
    const box = document.getElementById('listener-table');
    if (!box) return;
    const depth = new Map(checks.filter((c) => c.group === 'queues').map((c) => [c.name.replace(/^queue /, ''), c.data]));
    const rows = [];
    for (const c of checks.filter((x) => x.group === 'listeners')) {
      const persona = c.name.replace(/^listener /, '');
      const q = depth.get(persona);
      const queue = q ? `${q.depth} waiting, ${q.active} active` : '–';
      const beats = (c.data && c.data.beats) || [];
      if (beats.length === 0) rows.push([persona, '–', `<span class="pill down">no heartbeat</span>`, '–', queue, '–']);
      for (const b of beats) {
        const last = b.lastStep ? `${b.lastStep.step} r${b.lastStep.round} · ${b.lastStep.taskId} · ${b.lastStep.runId} · ${ago(Date.now() - b.lastStep.at)}` : 'none yet';
        rows.push([persona, V.esc(b.id), `<span class="pill ok">${V.esc(ago(b.beatAgeMs))}</span>`, String(b.jobsDone), V.esc(queue), V.esc(last)]);
      }
    }
    const head = ['persona', 'listener', 'heartbeat', 'jobs done', 'queue', 'last step'];
    box.innerHTML = `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.map((v) => `<td>${v}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  }

  // New runs (e.g. started on the compose stack) appear in the selector as they start; a running run is redrawn.
  let known = null;
  async function refreshRuns() {
    if (known === null) return; // start() has not listed the runs yet
    let runs;
    try {
      runs = (await getJson('api/runs')).runs;
    } catch {
      return;
    }
    const signature = runs.map((r) => `${r.run_id}:${r.status}:${r.tasks_done}`).join(',');
    if (signature === known || runs.length === 0) return;
    known = signature;
    const current = select.value;
    select.disabled = false;
    select.innerHTML = runs.map((r) => `<option value="${V.esc(r.run_id)}">${V.esc(label(r))}</option>`).join('');
    const running = runs.find((r) => r.run_id === current);
    select.value = running ? current : runs[0].run_id;
    if (!running || running.status === 'running' || !current) showRun(select.value);
  }

  async function showExperiments() {
    try {
      const { experiments } = await getJson('api/experiments');
      if (experiments.length === 0) return;
      document.getElementById('experiments').hidden = false;
      V.table(
        'experiment-table',
        ['started', 'experiment', 'scenario', 'variants × seeds', 'runs', 'status', 'wall s', 'finding', 'report'],
        experiments.map((e) => [
          e.started_at.replace('T', ' ').slice(0, 16),
          e.name,
          e.base_scenario,
          `${e.variants} × ${e.seeds}`,
          e.runs,
          e.status,
          e.wall_ms === null ? '–' : (e.wall_ms / 1000).toFixed(0),
          e.headline || '–',
          e.report_dir ? `${e.report_dir}/report.html` : '–',
        ]),
      );
    } catch (err) {
      console.warn(`experiments: ${err.message}`);
    }
  }

  async function start() {
    refreshHealth();
    setInterval(refreshHealth, 5000);
    setInterval(refreshRuns, 3000);
    showExperiments();
    let runs;
    try {
      runs = (await getJson('api/runs')).runs;
    } catch (err) {
      V.empty(`Cannot list runs: ${err.message}`);
      return;
    }
    select.addEventListener('change', () => {
      location.hash = encodeURIComponent(select.value);
      showRun(select.value);
    });
    known = runs.map((r) => `${r.run_id}:${r.status}:${r.tasks_done}`).join(',');
    if (runs.length === 0) {
      select.disabled = true;
      V.empty('No runs in the telemetry database yet. Run a scenario: npm run simulate scenarios/task-a.yaml');
      return;
    }
    select.innerHTML = runs.map((r) => `<option value="${V.esc(r.run_id)}">${V.esc(label(r))}</option>`).join('');
    const wanted = decodeURIComponent(location.hash.slice(1));
    const initial = runs.some((r) => r.run_id === wanted) ? wanted : runs[0].run_id;
    select.value = initial;
    await showRun(initial);
  }

  start();
})();
