import { defaultObservers } from '../../src/cli/default-observers.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartJsPath } from '../../src/admin/dashboard-assets.ts';
import type { HealthReport } from '../../src/admin/health-checks.ts';
import type { RunDashboardData, RunListRow } from '../../src/telemetry/telemetry-queries.ts';
import { simulate, type SimulationResult } from '../../src/runner/simulate.ts';
import { AdminProcess } from '../support/admin-process.ts';
import { REDIS_URL, REPO, TempRun } from '../support/temp-run.ts';

let temp: TempRun;
let run: SimulationResult;
let admin: AdminProcess;
const prefix = `asp-admin-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  temp = new TempRun();
  run = await simulate({ observers: defaultObservers(), scenarioFile: join(REPO, 'scenarios/six-cycles.yaml'), layout: temp.layout, workspace: 'none', redisUrl: REDIS_URL, logLevel: 'warn' });
  admin = await AdminProcess.start(['--db', temp.dbPath, '--prefix', prefix]);
});

afterAll(async () => {
  const code = await admin?.stop();
  temp?.cleanup();
  expect(code).toBe(0);
});

async function get<T>(path: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: T }> {
  const response = await fetch(new URL(path, admin.url), init);
  const type = response.headers.get('content-type');
  const body = (type?.startsWith('application/json') ? await response.json() : await response.text()) as T;
  return { status: response.status, type, body };
}

describe('asp admin: JSON API over a database filled by a real simulate run', () => {
  it('lists the run with the figures of its summary', async () => {
    const { status, body } = await get<{ runs: RunListRow[] }>('api/runs');
    expect(status).toBe(200);
    expect(body.runs).toHaveLength(1);
    const t = run.summary.totals;
    expect(body.runs[0]).toMatchObject({
      run_id: run.runId,
      scenario_name: 'Six cycles',
      status: run.status,
      digest: run.digest,
      cycles: 6,
      tasks: t.tasks,
      tasks_done: t.done,
      tasks_failed: t.failed,
      review_rounds: t.reviewRounds,
      defects_injected: t.defectsInjected,
      defects_escaped: t.defectsEscaped,
    });
    expect(body.runs[0]?.cost_usd).toBeCloseTo(t.costUsd, 3);
    expect(body.runs[0]?.sim_minutes).toBeCloseTo(t.simMinutes, 0);
  });

  it('serves one run: cycles, PSP phases and defects, PROBE accuracy, cost and throughput agree with the run summary', async () => {
    const { status, body: d } = await get<RunDashboardData>(`api/runs/${run.runId}`);
    expect(status).toBe(200);
    const s = run.summary;
    expect(d.cycles.map((c) => [c.cycle, c.name, c.tasks, c.done, c.failed])).toEqual(s.cycles.map((c) => [c.cycle, c.name, c.tasks, c.done, c.failed]));
    d.cycles.forEach((c, i) => expect(c.cycleMinutes).toBeCloseTo(s.cycles[i]!.cycleMinutes, 0));
    expect(d.cycles.reduce((n, c) => n + c.reviewRounds, 0)).toBe(s.totals.reviewRounds);
    expect(d.cycles.reduce((n, c) => n + c.reworkSteps, 0)).toBeGreaterThan(0);

    // PSP defect flow and yield.
    expect(d.defects.injected).toBe(s.totals.defectsInjected);
    expect(d.defects.escaped).toBe(s.totals.defectsEscaped);
    expect(d.defects.phases.find((p) => p.phase === 'code-review')?.removed).toBe(s.totals.defectsFoundInReview);
    expect(d.defects.phases.find((p) => p.phase === 'acceptance-test')?.removed ?? 0).toBe(s.totals.defectsFoundInAcceptance);
    expect(d.defects.processYield).toBe(s.totals.reviewYield);

    // Time in phase per persona covers every persona step.
    expect(new Set(d.timeInPhase.map((p) => `${p.persona}:${p.phase}`))).toEqual(
      new Set(['jordan:requirements', 'alex:planning', 'alex:code', 'alex:rework', 'sarah:code-review', 'jordan:acceptance-test']),
    );
    expect(d.timeInPhase.reduce((n, p) => n + p.steps, 0)).toBe(d.run.steps);

    // PROBE accuracy from the database equals the runner's own, per run and per cycle.
    expect(d.estimates.accuracy).toEqual(s.accuracy);
    d.estimates.byCycle.forEach((c, i) => expect(c.accuracy).toEqual(s.cycles[i]!.accuracy));
    expect(d.estimates.points).toHaveLength(s.totals.tasks);
    const p = d.estimates.points[0]!;
    expect(p.size.lpi90!).toBeLessThanOrEqual(p.size.lpi70!);
    expect(p.size.upi90!).toBeGreaterThanOrEqual(p.size.upi70!);

    // Cost per persona and queue throughput from the step results.
    expect(d.cost.reduce((n, c) => n + c.costUsd, 0)).toBeCloseTo(s.totals.costUsd, 2);
    expect(d.cost.find((c) => c.persona === 'alex')?.tokensIn).toBeGreaterThan(0);
    expect(d.throughput.jobs).toBe(d.run.steps);
    expect(d.throughput.personas.map((x) => x.persona)).toEqual(['alex', 'jordan', 'sarah']);
    expect(d.throughput.jobsPerSecond).toBeGreaterThan(0);
    expect(d.throughput.timeline.series.every((x) => x.jobsPerSecond.length === d.throughput.timeline.buckets)).toBe(true);
  });

  it('answers 404 for an unknown run or route, 405 for writes; serves the page and chart.js from node_modules', async () => {
    expect((await get<{ error: string }>('api/runs/run-nope')).status).toBe(404);
    expect((await get('nothing/here')).status).toBe(404);
    expect((await get('api/runs', { method: 'POST' })).status).toBe(405);
    const page = await get<string>('');
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('<script src="assets/chart.umd.min.js"></script>');
    expect(page.body).not.toMatch(/src="https?:/);
    const chart = await get<string>('assets/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.body).toBe(readFileSync(chartJsPath(), 'utf8'));
  });

  it('serves the health checks: 503 with listeners down under its prefix', async () => {
    const { status, body } = await get<HealthReport>('api/health');
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.checks.find((c) => c.name === 'redis')?.status).toBe('ok');
    expect(body.checks.find((c) => c.name === 'database')?.status).toBe('ok');
    expect(body.checks.find((c) => c.name === 'listener alex')).toMatchObject({ status: 'down', detail: `no heartbeat under prefix "${prefix}"` });
  });

  it('the run wrote a self-contained static report (data and chart.js inlined)', () => {
    const file = join(run.layout.runDir, 'report.html');
    expect(existsSync(file)).toBe(true);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script src=|<link rel="stylesheet"/);
    expect(html).toContain('Chart.js v4');
    const data = JSON.parse(/<script id="asp-data" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null') as RunDashboardData;
    expect(data.run.run_id).toBe(run.runId);
    expect(data.estimates.accuracy).toEqual(run.summary.accuracy);
  });
});
