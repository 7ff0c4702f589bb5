import { describe, expect, it } from 'vitest';
import { escapeHtml, inlineJson, renderDashboardPage } from '../../../src/admin/dashboard-page.ts';
import { renderHealth } from '../../../src/admin/health-report.ts';
import type { RunDashboardData } from '../../../src/telemetry/telemetry-queries.ts';
import { niceBucket, stats } from '../../../src/telemetry/throughput-queries.ts';

const CANVASES = ['chart-estimates', 'chart-hitrate', 'chart-cycletime', 'chart-phases', 'chart-defects', 'chart-throughput'];
const hostile = '</script><script>alert(1)</script><!-- \u2028';
const data = { run: { run_id: 'run-1', scenario_name: `Evil ${hostile}` }, generatedAt: '2026-01-01T00:00:00.000Z', note: hostile } as unknown as RunDashboardData;

describe('dashboard page', () => {
  it('inlines JSON that cannot close its <script> element and parses back unchanged', () => {
    const text = inlineJson(data);
    expect(text).not.toMatch(/<\/script|<!--|\u2028/i);
    expect(JSON.parse(text)).toEqual(data);
  });

  it('the static report is self-contained: styles, chart.js, scripts and data inline, no URL to fetch', () => {
    const html = renderDashboardPage({ mode: 'static', data });
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|(?:src|href)="(?!data:)|url\(/);
    for (const id of CANVASES) expect(html).toContain(`<canvas id="${id}"`);
    expect(html).toContain('Chart.js v4');
    expect(html).toContain(`<title>Evil ${escapeHtml(hostile)}`);
    // Only the data element and the script bodies: exactly one data block, and it parses.
    const block = /<script id="asp-data" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
    expect(JSON.parse(block ?? 'null')).toEqual(data);
    expect(html.match(/<\/script>/g)?.length).toBe(5);
  });

  it('the live page loads its assets from the admin, relative to the page', () => {
    const html = renderDashboardPage({ mode: 'live' });
    for (const name of ['chart.umd.min.js', 'dashboard-charts.js', 'dashboard-view.js', 'dashboard-app.js']) expect(html).toContain(`<script src="assets/${name}"></script>`);
    expect(html).toContain('<select id="run-select">');
  });
});

describe('throughput helpers', () => {
  it('picks 1-2-5 bucket widths giving at most the asked number of buckets', () => {
    expect(niceBucket(2300, 40)).toBe(100);
    expect(niceBucket(30_000, 40)).toBe(1000);
    expect(niceBucket(0, 40)).toBe(1);
    for (const span of [1, 7, 999, 12_345, 3_600_000]) expect(Math.floor(span / niceBucket(span, 40)) + 1).toBeLessThanOrEqual(40);
  });

  it('computes percentiles by the one definition (linear interpolation between ranks), rounded to 0.1', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    // 1..100: p50 sits halfway between 50 and 51, p95 at 94.05 (0-based) → 95.05
    expect(stats(values)).toEqual({ mean: 50.5, p50: 50.5, p95: 95.1, max: 100 });
    expect(stats([4, 1, 3, 2])).toEqual({ mean: 2.5, p50: 2.5, p95: 3.9, max: 4 });
    expect(stats([])).toEqual({ mean: 0, p50: 0, p95: 0, max: 0 });
  });
});

describe('health report', () => {
  it('says UNHEALTHY with the count of checks down, healthy with warnings otherwise', () => {
    const check = (name: string, status: 'ok' | 'warn' | 'down') => ({ group: 'queues' as const, name, status, detail: `${name} detail` });
    const down = renderHealth({ ok: false, checkedAt: 't', checks: [check('redis', 'down'), check('queue alex', 'warn')] });
    expect(down).toMatch(/redis\s+✖ DOWN\s+redis detail/);
    expect(down).toContain('UNHEALTHY: 1 check down, 1 warning at t');
    expect(renderHealth({ ok: true, checkedAt: 't', checks: [check('redis', 'ok')] })).toContain('healthy at t');
  });
});
