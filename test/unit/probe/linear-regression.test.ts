import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearRegression, predictionRange, projectRegression } from '../../../src/probe/index.ts';
import { closedFormCentral, closedFormTForInterval, expectNoNaN } from './helpers.ts';

/** Straightforward double-precision PSP formulas, written independently of the engine. */
function reference(x: number[], y: number[], xk: number) {
  const n = x.length;
  let sx = 0,
    sy = 0,
    sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    sx += xi;
    sy += yi;
    sxy += xi * yi;
    sxx += xi * xi;
    syy += yi * yi;
  }
  const xavg = sx / n;
  const yavg = sy / n;
  const beta1 = (sxy - n * xavg * yavg) / (sxx - n * xavg * xavg);
  const beta0 = yavg - beta1 * xavg;
  const r = (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
  let sse = 0,
    ssx = 0;
  for (let i = 0; i < n; i++) {
    sse += ((y[i] as number) - beta0 - beta1 * (x[i] as number)) ** 2;
    ssx += ((x[i] as number) - xavg) ** 2;
  }
  const sigma = Math.sqrt(sse / (n - 2));
  const t = (Math.abs(r) * Math.sqrt(n - 2)) / Math.sqrt(1 - r * r);
  const significance = 1 - closedFormCentral(t, n - 2);
  const range70 = closedFormTForInterval(70, n - 2) * sigma * Math.sqrt(1 + 1 / n + (xk - xavg) ** 2 / ssx);
  return { beta0, beta1, r, sigma, significance, yk: beta0 + beta1 * xk, range70 };
}

const dataset = fc
  .integer({ min: 3, max: 25 })
  .chain((n) => fc.tuple(fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: n, maxLength: n }), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: n, maxLength: n })))
  .filter(([x, y]) => new Set(x).size >= 2 && new Set(y).size >= 2);

const close = (a: number | null, b: number, rel: number): void => {
  expect(a).not.toBeNull();
  expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));
};

describe('linear regression', () => {
  it('equals an independent straightforward implementation on random data', () => {
    fc.assert(
      fc.property(dataset, fc.integer({ min: 0, max: 3000 }), ([x, y], xk) => {
        const ref = reference(x, y, xk);
        fc.pre(Math.abs(ref.r) < 0.999999);
        const reg = linearRegression(x, y);
        const proj = projectRegression(reg, xk, [70]);
        close(reg.beta0, ref.beta0, 1e-7);
        close(reg.beta1, ref.beta1, 1e-9);
        close(reg.r, ref.r, 1e-9);
        close(reg.sigma, ref.sigma, 1e-8);
        close(proj.yk, ref.yk, 1e-8);
        close(proj.intervals[0]?.range ?? null, ref.range70, 1e-8);
        expect(Math.abs((reg.significance as number) - ref.significance)).toBeLessThan(1e-12);
        expectNoNaN(reg);
        expectNoNaN(proj);
      }),
      { numRuns: 200 },
    );
  });

  it('prediction intervals widen as x_k moves away from x̄', () => {
    fc.assert(
      fc.property(dataset, fc.double({ min: 0, max: 5000, noNaN: true }), fc.double({ min: 0, max: 5000, noNaN: true }), fc.boolean(), fc.constantFrom(70, 90, 95), ([x, y], d1, d2, up, percent) => {
        const reg = linearRegression(x, y);
        fc.pre(reg.computable && (reg.sigma ?? 0) > 0);
        const [near, far] = d1 <= d2 ? [d1, d2] : [d2, d1];
        const sign = up ? 1 : -1;
        const xm = reg.xMean as number;
        const rNear = predictionRange(reg, xm + sign * near, percent) as number;
        const rFar = predictionRange(reg, xm + sign * far, percent) as number;
        expect(rFar).toBeGreaterThanOrEqual(rNear * (1 - 1e-12));
        // symmetric about x̄
        expect(predictionRange(reg, xm - sign * far, percent)).toBeCloseTo(rFar, 6);
        // and the 90 % interval is wider than the 70 % one
        expect(predictionRange(reg, xm, 90) as number).toBeGreaterThan(predictionRange(reg, xm, 70) as number);
      }),
      { numRuns: 150 },
    );
  });

  it('a perfect line gives r = ±1, significance 0, Range ≈ 0 and no NaN', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 3, maxLength: 20 }).filter((x) => new Set(x).size >= 2),
        fc.integer({ min: -500, max: 500 }),
        fc.integer({ min: -50, max: 50 }).filter((b) => b !== 0),
        (x, a, b) => {
          const y = x.map((v) => a + b * v);
          const reg = linearRegression(x, y);
          expect(Math.abs((reg.r as number) - Math.sign(b))).toBeLessThan(1e-9);
          expect(reg.r2 as number).toBeCloseTo(1, 9);
          expect(reg.significance as number).toBeLessThan(1e-6);
          const proj = projectRegression(reg, 17);
          expect(proj.yk as number).toBeCloseTo(a + b * 17, 6);
          for (const i of proj.intervals) expect(i.range).toBeLessThan(1e-6 * Math.max(1, Math.abs(a) + Math.abs(b) * 1000));
          expectNoNaN(reg);
          expectNoNaN(proj);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('regression edge cases (never NaN)', () => {
  const cases: [string, number[], number[], RegExp][] = [
    ['empty', [], [], /n = 0/],
    ['n = 1', [5], [7], /<= 2/],
    ['n = 2', [1, 2], [3, 5], /<= 2/],
    ['n = 2, same x', [4, 4], [3, 5], /zero variance in x/],
    ['zero variance in x', [3, 3, 3, 3], [1, 2, 3, 4], /zero variance in x/],
    ['zero variance in y', [1, 2, 3, 4], [5, 5, 5, 5], /zero variance in y/],
    ['r = 1', [1, 2, 3], [2, 4, 6], /\|r\| = 1/],
    ['r = -1', [1, 2, 3, 4], [8, 6, 4, 2], /\|r\| = 1/],
    ['fractional constant x', [0.1, 0.1, 0.1], [1, 2, 4], /zero variance in x/],
  ];
  for (const [name, x, y, reason] of cases) {
    it(name, () => {
      const reg = linearRegression(x, y);
      expect(reg.reason).toMatch(reason);
      expectNoNaN(reg);
      const proj = projectRegression(reg, 10, [70, 90]);
      expectNoNaN(proj);
      if (!reg.computable) expect(proj.intervals).toEqual([]);
      if (reg.n <= 2) {
        expect(reg.r).toBeNull();
        expect(reg.significance).toBeNull();
        expect(reg.sigma).toBeNull();
      }
    });
  }

  it('r = ±1: significance 0 and Range 0', () => {
    const reg = linearRegression([1, 2, 3, 4], [8, 6, 4, 2]);
    expect(reg.r).toBe(-1);
    expect(reg.significance).toBe(0);
    expect(reg.tStatistic).toBeNull();
    const proj = projectRegression(reg, 10);
    expect(proj.yk).toBeCloseTo(-10, 12);
    expect(proj.intervals.map((i) => i.range)).toEqual([0, 0]);
    expect(proj.intervals[0]?.lpi).toBe(0);
    expect(proj.intervals[0]?.rawLpi).toBeCloseTo(-10, 12);
  });

  it('LPI is stored as max(0, LPI) and the raw value is kept', () => {
    const reg = linearRegression([1, 2, 3, 4, 5], [1, 9, 2, 12, 4]);
    const [i70] = projectRegression(reg, 0, [70]).intervals;
    expect(i70?.rawLpi).toBeLessThan(0);
    expect(i70?.lpi).toBe(0);
  });

  it('rejects mismatched lengths, non-finite values and bad percents', () => {
    expect(() => linearRegression([1, 2], [1])).toThrow(/x has 2 values but y has 1/);
    expect(() => linearRegression([1, Number.NaN, 3], [1, 2, 3])).toThrow(/x\[1\]/);
    expect(() => projectRegression(linearRegression([1, 2, 3], [1, 3, 2]), 5, [0])).toThrow(/between 0 and 100/);
    expect(() => projectRegression(linearRegression([1, 2, 3], [1, 3, 2]), Number.NaN)).toThrow(/x_k/);
  });
});
