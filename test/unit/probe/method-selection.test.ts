import { describe, expect, it } from 'vitest';
import {
  CANNOT_CALCULATE,
  estimateWithProbe,
  historicalProductivityPerMinute,
  METHOD_C3_RATING,
  SERIOUS_PROBLEM,
  sizeCandidates,
  timeCandidates,
  type ProbeHistoryPoint,
} from '../../../src/probe/index.ts';
import { expectNoNaN, tableD8History } from './helpers.ts';

const scores = (cands: { method: string; score: number }[]): [string, string][] => cands.map((c) => [c.method, c.score.toFixed(2)]);

describe("Process Dashboard's wizard ranking on Table D8 with E = 386", () => {
  for (const unit of ['minutes', 'hours'] as const) {
    it(`ranks size B 7.67 above A 7.14, rejects time A and C1 and chooses time B (time in ${unit})`, () => {
      const history = tableD8History(unit);
      const estimate = estimateWithProbe({ history, proxySize: 386 });

      expect(estimate.size.method).toBe('B');
      expect(scores(estimate.size.candidates)).toEqual([
        ['B', '7.67'],
        ['A', '7.14'],
        ['C', '5.07'],
        ['D', '5.00'],
      ]);
      expect(estimate.size.rationale).toMatch(/chosen: highest score 7\.67/);
      expect(estimate.size.candidates[1]?.reason).toMatch(/ranked below B/);

      expect(estimate.time.method).toBe('B');
      const time = Object.fromEntries(estimate.time.candidates.map((c) => [c.method, c]));
      expect(time.A?.usable).toBe(false);
      expect(time.A?.reason).toMatch(/rejected.*1\.78× 1\/productivity.*allowed 0\.5 to 1\.5/);
      expect(time.C1?.usable).toBe(false);
      expect(time.C1?.reason).toMatch(/rejected.*1\.67× 1\/productivity/);
      expect(time.B?.score.toFixed(2)).toBe('6.52');
      expect(time.C3?.score).toBe(METHOD_C3_RATING);
      expect(estimate.time.candidates.map((c) => c.method)).toEqual(['B', 'C2', 'C3', 'D', 'A', 'C1']);

      // size A is the regression of the vectors' case: same β and 70 % range when chosen inputs agree
      const sizeA = estimate.size.candidates.find((c) => c.method === 'A');
      expect(sizeA?.projected).toBeCloseTo(644.4293838, 6);
      expectNoNaN(estimate);
    });
  }

  it('gives the same scores and methods in hours and minutes', () => {
    const m = estimateWithProbe({ history: tableD8History('minutes'), proxySize: 386 });
    const h = estimateWithProbe({ history: tableD8History('hours'), proxySize: 386 });
    for (const key of ['size', 'time'] as const) {
      expect(m[key].candidates.map((c) => c.method)).toEqual(h[key].candidates.map((c) => c.method));
      m[key].candidates.forEach((c, i) => expect(c.score).toBeCloseTo(h[key].candidates[i]?.score as number, 10));
    }
    expect(m.time.projected).toBeCloseTo(h.time.projected * 60, 6);
    expect(m.time.intervals[0]?.range).toBeCloseTo((h.time.intervals[0]?.range as number) * 60, 6);
    expect(m.productivityLocPerHour).toBeCloseTo(6389 / 603.2, 10);
  });

  it('projects time B from E with intervals at 70 and 90 %', () => {
    const e = estimateWithProbe({ history: tableD8History(), proxySize: 386, intervalPercents: [70, 90, 95] });
    expect(e.time.intervals.map((i) => i.percent)).toEqual([70, 90, 95]);
    expect(e.time.productivityRange).toBeUndefined();
    const [i70, i90] = e.time.intervals;
    expect(i90?.range).toBeGreaterThan(i70?.range as number);
    expect(i70?.upi).toBeCloseTo(e.time.projected + (i70?.range as number), 9);
  });
});

describe('fallbacks with too few points', () => {
  it('no history: D for size (E) and time (E at the judgment productivity)', () => {
    const e = estimateWithProbe({ history: [], proxySize: 200, judgmentProductivity: 20 });
    expect(e.size.method).toBe('D');
    expect(e.size.projected).toBe(200);
    expect(e.time.method).toBe('D');
    expect(e.time.projected).toBe(600);
    expect(e.size.intervals).toEqual([]);
    expect(e.time.productivityRange).toBeUndefined();
    expect(e.time.rationale).toMatch(/no historical productivity/);
    for (const c of e.size.candidates.filter((k) => k.method !== 'D')) {
      expect(c.score).toBe(CANNOT_CALCULATE);
      expect(c.reason).toMatch(/cannot be calculated.*not enough data/);
    }
    expect(e.productivityLocPerHour).toBeNull();
    expectNoNaN(e);
  });

  it('two points: regression cannot be calculated, averaging is chosen, with a min/max time', () => {
    const history = tableD8History().slice(0, 2);
    const e = estimateWithProbe({ history, proxySize: 386 });
    const sizeA = e.size.candidates.find((c) => c.method === 'A');
    expect(sizeA?.score).toBe(CANNOT_CALCULATE);
    expect(sizeA?.reason).toMatch(/2 usable points/);
    expect(['C', 'D']).toContain(e.size.method);
    expect(['C1', 'C2', 'C3', 'D']).toContain(e.time.method);
    expect(e.time.intervals).toEqual([]);
    const range = e.time.productivityRange;
    expect(range).toBeDefined();
    // min/max from the historical max/min productivity (LOC per minute) for the projected size
    const rates = history.map((h) => h.actualSize / h.actualMinutes);
    expect(range?.min).toBeCloseTo(e.size.projected / Math.max(...rates), 9);
    expect(range?.max).toBeCloseTo(e.size.projected / Math.min(...rates), 9);
    expectNoNaN(e);
  });

  it('without plan sizes: B cannot be calculated and C averages over E', () => {
    const history = tableD8History().map(({ planSize: _p, ...rest }) => rest);
    const e = estimateWithProbe({ history, proxySize: 386 });
    const b = e.size.candidates.find((c) => c.method === 'B');
    expect(b?.score).toBe(CANNOT_CALCULATE);
    const c = e.size.candidates.find((k) => k.method === 'C');
    expect(c?.beta1).toBeCloseTo(6389 / 3828, 12);
    expect(c?.reason).toMatch(/averaging over E/);
    expect(e.size.method).toBe('A');
    expect(e.time.candidates.find((k) => k.method === 'C2')?.score).toBe(CANNOT_CALCULATE);
  });

  it('drops points with a zero x or y like PD', () => {
    const history: ProbeHistoryPoint[] = [...tableD8History(), { proxySize: 0, actualSize: 100, actualMinutes: 60 }];
    const e = estimateWithProbe({ history, proxySize: 386 });
    expect(e.size.candidates.find((c) => c.method === 'A')?.n).toBe(10);
  });
});

describe('rejections with reasons', () => {
  const ctx = (history: ProbeHistoryPoint[], proxySize: number) => ({
    history,
    proxySize,
    productivityPerMinute: historicalProductivityPerMinute(history),
  });

  it('β1 outside 0.5..2 for size', () => {
    const history = [100, 200, 300, 400].map((e, i) => ({ proxySize: e, actualSize: e * 3 + (i % 2) * 5, actualMinutes: e * 3 }));
    const a = sizeCandidates(ctx(history, 250)).find((c) => c.method === 'A');
    expect(a?.score).toBeLessThanOrEqual(SERIOUS_PROBLEM + 0.25);
    expect(a?.usable).toBe(false);
    expect(a?.reason).toMatch(/β1 = 3\.0\d* is 3\.0\d*× the expected 1\.0 \(allowed 0\.5 to 2\)/);
  });

  it('β0 larger than half the projection', () => {
    const history = [100, 200, 300, 400].map((e, i) => ({ proxySize: e, actualSize: 1000 + e * 0.6 + (i % 2) * 7, actualMinutes: 600 }));
    const a = sizeCandidates(ctx(history, 250)).find((c) => c.method === 'A');
    expect(a?.usable).toBe(false);
    expect(a?.reason).toMatch(/β0 = .* % of the projection .* \(must be at most 50 %\)/);
  });

  it('r² at most 0.5', () => {
    const history = [100, 200, 300, 400, 500, 600].map((e, i) => ({ proxySize: e, actualSize: [280, 20, 480, 220, 680, 420][i] as number, actualMinutes: 600 }));
    const a = sizeCandidates(ctx(history, 350)).find((c) => c.method === 'A');
    expect(a?.usable).toBe(false);
    expect(a?.reason).toMatch(/r² = .* <= 0\.5: correlation inadequate/);
  });

  it('time methods without any actual time cannot be calculated', () => {
    const history = [100, 200, 300].map((e) => ({ proxySize: e, actualSize: e, actualMinutes: 0 }));
    const cands = timeCandidates(ctx(history, 200), 10);
    expect(cands[0]?.method).toBe('D');
    for (const c of cands.slice(1)) expect(c.score).toBe(CANNOT_CALCULATE);
  });

  it('ranks ties in PD order and every candidate carries a reason', () => {
    const cands = timeCandidates(ctx(tableD8History(), 386), 10);
    for (const c of cands) expect(c.reason.length).toBeGreaterThan(10);
    expect(cands.map((c) => c.score)).toEqual([...cands.map((c) => c.score)].sort((a, b) => b - a));
  });
});
