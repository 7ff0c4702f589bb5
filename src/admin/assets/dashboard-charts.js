/* global Chart */
// Renders one run's dashboard data (RunDashboardData, src/telemetry/telemetry-queries.ts)
// into the page: the plots. Plain browser JS; chart.js is loaded before it.
(function () {
  'use strict';
  const PERSONA_COLORS = { jordan: '#7c3aed', alex: '#2563eb', sarah: '#0d9488', admin: '#6b7280' };
  const PHASE_COLORS = {
    requirements: '#c4b5fd',
    planning: '#93c5fd',
    code: '#2563eb',
    rework: '#f59e0b',
    'code-review': '#14b8a6',
    'acceptance-test': '#7c3aed',
    escaped: '#dc2626',
  };
  const HIT = { in70: '#059669', in90: '#d97706', out: '#dc2626' };
  const charts = {};

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = "'Liberation Sans', 'Helvetica Neue', Arial, sans-serif";
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#4b5563';
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;

  const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
  const hours = (min) => (min === null || min === undefined ? null : Math.round((min / 60) * 10) / 10);
  const rate = (acc, cap, p) => {
    const h = acc[cap].hitRates.find((x) => x.percent === p);
    return h && h.rate !== null ? Math.round(h.rate * 1000) / 10 : null;
  };
  const alpha = (hex, a) =>
    hex +
    Math.round(a * 255)
      .toString(16)
      .padStart(2, '0');

  function mount(id, config) {
    if (charts[id]) charts[id].destroy();
    const canvas = document.getElementById(id);
    if (!canvas) return null;
    charts[id] = new Chart(canvas, config);
    return charts[id];
  }

  function estimates(data, cap) {
    const points = data.estimates.points;
    const unit = cap === 'size' ? 'LOC' : 'min';
    const dense = points.length > 80;
    const band = (lo, hi) => points.map((p) => (p[cap][lo] === null || p[cap][hi] === null ? null : [p[cap][lo], p[cap][hi]]));
    const hitColor = (p) => {
      const v = p[cap];
      if (v.actual === null || p.state !== 'done') return '#9ca3af';
      if (v.lpi70 !== null && v.actual >= v.lpi70 && v.actual <= v.upi70) return HIT.in70;
      if (v.lpi90 !== null && v.actual >= v.lpi90 && v.actual <= v.upi90) return HIT.in90;
      return HIT.out;
    };
    mount('chart-estimates', {
      type: 'bar',
      data: {
        labels: points.map((p) => p.taskId),
        datasets: [
          {
            type: 'line',
            label: 'actual',
            data: points.map((p) => p[cap].actual),
            showLine: false,
            order: 0,
            pointRadius: dense ? 2.5 : 5,
            pointHoverRadius: 7,
            pointBackgroundColor: points.map(hitColor),
            pointBorderColor: '#ffffff',
            pointBorderWidth: 1,
            borderColor: '#374151',
            backgroundColor: '#374151',
          },
          {
            type: 'line',
            label: 'PROBE projection',
            data: points.map((p) => p[cap].projected),
            showLine: false,
            order: 1,
            pointStyle: 'line',
            pointRadius: dense ? 4 : 11,
            pointBorderWidth: 2.5,
            borderColor: '#1e3a8a',
            backgroundColor: '#1e3a8a',
          },
          { label: '70 % interval', data: band('lpi70', 'upi70'), grouped: false, order: 2, backgroundColor: alpha('#2563eb', 0.38), borderRadius: 2, barPercentage: 0.55, categoryPercentage: 0.9 },
          { label: '90 % interval', data: band('lpi90', 'upi90'), grouped: false, order: 3, backgroundColor: alpha('#2563eb', 0.14), borderRadius: 2, barPercentage: 0.55, categoryPercentage: 0.9 },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 50, font: { size: 10.5 } }, grid: { display: false } },
          y: { beginAtZero: true, title: { display: true, text: cap === 'size' ? 'added & modified LOC' : 'development minutes' } },
        },
        plugins: {
          legend: {
            position: 'top',
            align: 'end',
            labels: {
              usePointStyle: true,
              // The actual dots are coloured by interval hit; the legend shows them neutral.
              generateLabels: (chart) => Chart.defaults.plugins.legend.labels.generateLabels(chart).map((l) => (l.text === 'actual' ? { ...l, fillStyle: '#6b7280', strokeStyle: '#ffffff' } : l)),
            },
          },
          tooltip: {
            callbacks: {
              title: (items) => {
                const p = points[items[0].dataIndex];
                return `${p.taskId} · cycle ${p.cycle} · ${p.state} · method ${cap === 'size' ? p.sizeMethod : p.timeMethod}`;
              },
              label: (ctx) => (Array.isArray(ctx.raw) ? `${ctx.dataset.label}: ${fmt(ctx.raw[0])}–${fmt(ctx.raw[1])} ${unit}` : `${ctx.dataset.label}: ${fmt(ctx.raw)} ${unit}`),
            },
          },
        },
      },
    });
  }

  function hitRate(data) {
    const cycles = data.estimates.byCycle;
    const labels = cycles.map((c) => data.cycles.find((x) => x.cycle === c.cycle)?.name ?? `Cycle ${c.cycle}`);
    const line = (label, cap, p, color, dash) => ({
      label,
      data: cycles.map((c) => rate(c.accuracy, cap, p)),
      borderColor: color,
      backgroundColor: color,
      borderDash: dash,
      spanGaps: true,
      tension: 0,
      pointRadius: 4,
      borderWidth: 2.5,
    });
    const target = (p) => ({
      label: `${p} % target`,
      data: cycles.map(() => p),
      borderColor: p === 70 ? '#6b7280' : '#c0c4cc',
      borderDash: [2, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      backgroundColor: p === 70 ? '#6b7280' : '#c0c4cc',
    });
    mount('chart-hitrate', {
      type: 'line',
      data: {
        labels,
        datasets: [
          line('size in 70 %', 'size', 70, '#2563eb', []),
          line('size in 90 %', 'size', 90, '#93c5fd', []),
          line('time in 70 %', 'time', 70, '#0d9488', [6, 3]),
          line('time in 90 %', 'time', 90, '#5eead4', [6, 3]),
          target(70),
          target(90),
        ],
      },
      options: {
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v} %` } } },
        plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.raw)} %` } } },
      },
    });
  }

  function cycleTime(data) {
    const c = data.cycles;
    mount('chart-cycletime', {
      type: 'bar',
      data: {
        labels: c.map((x) => x.name),
        datasets: [
          { label: 'cycle time (h)', data: c.map((x) => hours(x.cycleMinutes)), backgroundColor: alpha('#2563eb', 0.75), borderRadius: 4, order: 2 },
          { label: 'mean task lead time (h)', data: c.map((x) => hours(x.meanTaskMinutes)), backgroundColor: alpha('#93c5fd', 0.9), borderRadius: 4, order: 3 },
          {
            type: 'line',
            label: 'review rounds per task',
            data: c.map((x) => (x.tasks ? Math.round((x.reviewRounds / x.tasks) * 100) / 100 : null)),
            yAxisID: 'y1',
            borderColor: '#f59e0b',
            backgroundColor: '#f59e0b',
            pointRadius: 4,
            borderWidth: 2.5,
            tension: 0,
            order: 1,
          },
        ],
      },
      options: {
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'simulated hours' } },
          y1: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'rounds per task' } },
          x: { grid: { display: false } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  function phases(data) {
    const rows = data.timeInPhase;
    const personas = [...new Set(rows.map((r) => r.persona))];
    const phaseList = [...new Set(rows.map((r) => r.phase))];
    mount('chart-phases', {
      type: 'bar',
      data: {
        labels: personas.map((p) => p[0].toUpperCase() + p.slice(1)),
        datasets: phaseList.map((phase) => ({
          label: phase,
          data: personas.map((persona) => hours(rows.find((r) => r.persona === persona && r.phase === phase)?.minutes ?? 0)),
          backgroundColor: PHASE_COLORS[phase] ?? '#9ca3af',
          borderRadius: 3,
        })),
      },
      options: {
        indexAxis: 'y',
        scales: { x: { stacked: true, title: { display: true, text: 'simulated hours' } }, y: { stacked: true, grid: { display: false } } },
        plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.raw, 1)} h` } } },
      },
    });
  }

  function defects(data) {
    const d = data.defects;
    const labels = d.phases.map((p) => p.phase).concat(['escaped']);
    mount('chart-defects', {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'injected', data: d.phases.map((p) => p.injected).concat([0]), backgroundColor: '#f97316', borderRadius: 4 },
          { label: 'removed', data: d.phases.map((p) => p.removed).concat([0]), backgroundColor: '#10b981', borderRadius: 4 },
          { label: 'escaped', data: d.phases.map(() => 0).concat([d.escaped]), backgroundColor: PHASE_COLORS.escaped, borderRadius: 4 },
        ],
      },
      options: {
        scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'defects' } } },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            filter: (item) => item.raw !== 0,
            callbacks: {
              afterBody: (items) => {
                const p = d.phases[items[0].dataIndex];
                return p && p.yield !== null ? `phase yield ${fmt(p.yield * 100, 1)} % of ${p.present} present` : '';
              },
            },
          },
        },
      },
    });
  }

  function throughput(data) {
    const t = data.throughput.timeline;
    const labels = Array.from({ length: t.buckets }, (_, i) => `${fmt((i * t.bucketMs) / 1000, t.bucketMs < 1000 ? 1 : 0)} s`);
    mount('chart-throughput', {
      type: 'line',
      data: {
        labels,
        datasets: t.series.map((s) => {
          const color = PERSONA_COLORS[s.persona] ?? '#6b7280';
          return {
            label: s.persona,
            data: s.jobsPerSecond,
            borderColor: color,
            backgroundColor: alpha(color, 0.1),
            fill: 'origin',
            cubicInterpolationMode: 'monotone',
            pointRadius: 0,
            borderWidth: 2,
          };
        }),
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'jobs completed per second' } },
          x: { title: { display: true, text: 'wall-clock time since the first result' }, ticks: { maxTicksLimit: 12 }, grid: { display: false } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  window.AspCharts = { estimates, hitRate, cycleTime, phases, defects, throughput, charts, fmt, hours, rate };
})();
