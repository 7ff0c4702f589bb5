import { describe, expect, it } from 'vitest';
import { linearRegression, mean, predictionRange, projectRegression, pspTIntegral, relativeSizeTable, sampleStdDev, tForInterval, tIntegral, type HistoricalPart } from '../../../src/probe/index.ts';
import { vectors, type VectorCase } from './helpers.ts';

type Computed = (key: string) => number | null;

/** One handler per kind of case; the case id's prefix selects it. */
const handlers: Record<string, (c: VectorCase) => Computed> = {
  regression(c) {
    const x = c.inputs.x as number[];
    const y = c.inputs.y as number[];
    const xk = c.inputs.x_k as number;
    const reg = linearRegression(x, y);
    const proj = projectRegression(reg, xk, [70, 90]);
    const fixed: Record<string, number | null> = {
      beta0: reg.beta0,
      beta1: reg.beta1,
      r: reg.r,
      r2: reg.r2,
      significance_tail_1_minus_2p: reg.significance,
      yk: proj.yk,
      x_avg: reg.xMean,
      y_avg: reg.yMean,
      sigma: reg.sigma,
      sum_sq_dev_x: reg.sumSqDevX,
      t_statistic: reg.tStatistic,
    };
    return (key) => {
      if (key in fixed) return fixed[key] ?? null;
      const m = /^(range|upi|lpi|t)(\d+(?:\.\d+)?)$/.exec(key);
      if (!m) throw new Error(`unknown regression value "${key}"`);
      const percent = Number(m[2]);
      if (m[1] === 't') return tForInterval(percent, reg.n - 2);
      const range = predictionRange(reg, xk, percent);
      if (range === null || proj.yk === null) return null;
      if (m[1] === 'range') return range;
      if (m[1] === 'upi') return proj.yk + range;
      return Math.max(0, proj.yk - range);
    };
  },
  't-integral'(c) {
    const low = c.inputs.x_low as number;
    const high = c.inputs.x_high as number;
    const dof = c.inputs.dof as number;
    return (key) => {
      if (key !== 'p') throw new Error(`unknown t-integral value "${key}"`);
      return pspTIntegral(high, dof) - pspTIntegral(low, dof);
    };
  },
  'relative-size'(c) {
    expect(c.inputs.normalize).toBe('size/items');
    expect(c.inputs.transform).toBe('ln');
    expect(c.inputs.sigma_divisor).toBe('n-1');
    const table = relativeSizeTable(c.inputs.parts as HistoricalPart[]);
    const values: Record<string, number | null> = {
      ...(table.sizes ?? {}),
      ln_avg: table.lnMean,
      ln_sum_sq_dev: table.lnSumSqDev,
      ln_variance: table.lnVariance,
      ln_sigma: table.lnSigma,
    };
    return (key) => {
      if (!(key in values)) throw new Error(`unknown relative-size value "${key}"`);
      return values[key] ?? null;
    };
  },
  'mean-stddev'(c) {
    const x = c.inputs.x as number[];
    return (key) => {
      if (key === 'mean') return mean(x);
      if (key === 'stddev') return sampleStdDev(x);
      throw new Error(`unknown mean-stddev value "${key}"`);
    };
  },
};

function handlerFor(id: string): (c: VectorCase) => Computed {
  const prefix = Object.keys(handlers)
    .filter((p) => id === p || id.startsWith(`${p}-`))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) throw new Error(`unknown test-vector case id "${id}": add a handler for it`);
  return handlers[prefix] as (c: VectorCase) => Computed;
}

describe('published PSP test vectors', () => {
  it('has cases', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(6);
  });

  for (const testCase of vectors.cases) {
    describe(testCase.id, () => {
      const entries = Object.entries({ ...testCase.expected, ...(testCase.intermediates ?? {}) });
      it('is a known kind of case with expected values', () => {
        expect(() => handlerFor(testCase.id)).not.toThrow();
        expect(entries.length).toBeGreaterThan(0);
      });
      for (const [key, expected] of entries) {
        it(`${key} = ${expected.value} ± ${expected.tolerance}`, () => {
          const computed = handlerFor(testCase.id)(testCase)(key);
          expect(computed, key).not.toBeNull();
          expect(Math.abs((computed as number) - expected.value), `${key}: got ${computed}`).toBeLessThanOrEqual(expected.tolerance);
        });
      }
    });
  }

  it('the high-precision t integral agrees with PSP Program 5 on the course cases', () => {
    for (const c of vectors.cases.filter((k) => k.id.startsWith('t-integral-'))) {
      const p = c.expected.p as { value: number; tolerance: number };
      expect(Math.abs(tIntegral(c.inputs.x_high as number, c.inputs.dof as number) - p.value)).toBeLessThanOrEqual(p.tolerance);
    }
  });

  it('documents pitfall 1: x_k must be E (386), not the projection 644.429', () => {
    const c = vectors.cases.find((k) => k.id.startsWith('regression-'));
    const reg = linearRegression(c?.inputs.x as number[], c?.inputs.y as number[]);
    expect(predictionRange(reg, 644.429, 70)).toBeCloseTo(236.563, 2);
    expect(predictionRange(reg, 386, 70)).toBeCloseTo(230.0017197, 6);
  });
});
