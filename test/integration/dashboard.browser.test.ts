import { defaultObservers } from '../../src/cli/default-observers.ts';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate, type SimulationResult } from '../../src/runner/simulate.ts';
import { AdminProcess } from '../support/admin-process.ts';
import { REDIS_URL, REPO, TempRun } from '../support/temp-run.ts';

/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core.
 * Without chromium this file says so loudly and its tests are skipped (CI
 * installs it: `apt-get install chromium`).
 */
const CHROMIUM = process.env.ASP_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = join(REPO, 'runs', 'dashboard.png');
const CANVASES = ['chart-estimates', 'chart-hitrate', 'chart-cycletime', 'chart-phases', 'chart-defects', 'chart-throughput'];

// The page's globals, typed just enough for the functions run in the browser (tsconfig has no DOM lib).
declare const document: { body: { dataset: Record<string, string | undefined> } };
interface PageCanvas {
  id: string;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface PageChart {
  canvas: PageCanvas;
  data: { datasets: Array<{ label?: string; data: unknown[] }> };
  options: { scales: { y: { title: { text: string } } } };
}
type PageGlobals = { Chart: { instances: Record<string, PageChart>; getChart(id: string): PageChart } };

if (!HAVE_CHROMIUM) {
  console.warn(`\n*** dashboard.browser.test.ts NOT RUN: no chromium at ${CHROMIUM} (apt-get install chromium, or set ASP_CHROMIUM) ***\n`);
}

let temp: TempRun;
let six: SimulationResult;
let one: SimulationResult;
let admin: AdminProcess;
let browser: Browser;

interface ChartInfo {
  id: string;
  datasets: Array<{ label: string; points: number }>;
  /** Canvas pixels in a saturated colour: drawn data, not grey axes and text. */
  coloured: number;
}

/** What chart.js drew on each canvas of the page. */
function charts(page: Page): Promise<ChartInfo[]> {
  return page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    return Object.values(w.Chart.instances).map((chart) => {
      const canvas = chart.canvas;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const [r, g, b, a] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!, pixels[i + 3]!];
        if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      }
      return {
        id: canvas.id,
        datasets: chart.data.datasets.map((d) => ({ label: d.label ?? '', points: d.data.filter((v) => v !== null && v !== undefined && v !== 0).length })),
        coloured,
      };
    });
  });
}

function expectPlotsWithData(found: ChartInfo[], tasks: number): void {
  expect(found.map((c) => c.id).sort()).toEqual([...CANVASES].sort());
  for (const chart of found) {
    expect(
      chart.datasets.some((d) => d.points > 0),
      `${chart.id} has data`,
    ).toBe(true);
    expect(chart.coloured, `${chart.id} drew its data`).toBeGreaterThan(300);
  }
  const estimates = found.find((c) => c.id === 'chart-estimates')!;
  expect(estimates.datasets.find((d) => d.label === 'PROBE projection')?.points).toBe(tasks);
  expect(estimates.datasets.find((d) => d.label === '70 % interval')?.points).toBeGreaterThan(0);
  expect(estimates.datasets.find((d) => d.label === '90 % interval')?.points).toBeGreaterThan(0);
}

async function open(url: string, options: { offline?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  if (options.offline) await page.route(/^https?:/, (route) => route.abort());
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready !== undefined, undefined, { timeout: 20_000 });
  return { page, errors };
}

describe.skipIf(!HAVE_CHROMIUM)('dashboard in chromium (playwright-core)', () => {
  beforeAll(async () => {
    temp = new TempRun();
    const base = { layout: temp.layout, workspace: 'none' as const, redisUrl: REDIS_URL, logLevel: 'warn' };
    six = await simulate({ observers: defaultObservers(), ...base, scenarioFile: join(REPO, 'scenarios/six-cycles.yaml') });
    one = await simulate({ observers: defaultObservers(), ...base, scenarioFile: join(REPO, 'scenarios/task-a.yaml') });
    admin = await AdminProcess.start(['--db', temp.dbPath, '--prefix', `asp-browser-${process.pid}`]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await admin?.stop();
    temp?.cleanup();
  });

  it('renders every plot with data for the selected run, switches runs, and saves a screenshot', async () => {
    const { page, errors } = await open(`${admin.url}#${six.runId}`);
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe(six.runId);
    const options = await page.locator('#run-select option').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(options).toEqual([one.runId, six.runId]);
    expectPlotsWithData(await charts(page), six.summary.totals.tasks);
    expect(await page.locator('#kpis .kpi').count()).toBe(6);
    expect(await page.locator('#cycle-table tbody tr').count()).toBe(6);
    expect(await page.locator('#queue-table tbody tr').count()).toBe(3);

    mkdirSync(join(REPO, 'runs'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(50_000);

    await page.click('#est-toggle button[data-cap="time"]');
    const axis = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return w.Chart.getChart('chart-estimates').options.scales.y.title.text;
    });
    expect(axis).toBe('development minutes');

    await page.selectOption('#run-select', one.runId);
    await page.waitForFunction((id) => document.body.dataset.ready === id, one.runId);
    expect(await page.locator('#runline').textContent()).toContain('Task A');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the static report opens from disk with no network and draws the same plots', async () => {
    const { page, errors } = await open(pathToFileURL(join(six.layout.runDir, 'report.html')).href, { offline: true });
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe(six.runId);
    expectPlotsWithData(await charts(page), six.summary.totals.tasks);
    expect(errors).toEqual([]);
    await page.close();
  });
});
