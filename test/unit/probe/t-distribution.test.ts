import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gamma, logGamma, pspTIntegral, simpsonIntegrate, tCdf, tDensity, tForInterval, tIntegral, tInverseIntegral, tTwoTailedSignificance } from '../../../src/probe/index.ts';
import { closedFormCentral, closedFormTForInterval } from './helpers.ts';

describe('gamma (recursive half-integer definition)', () => {
  it('matches known values', () => {
    expect(gamma(1)).toBe(1);
    expect(gamma(0.5)).toBeCloseTo(Math.sqrt(Math.PI), 15);
    expect(gamma(5)).toBe(24);
    expect(gamma(4.5)).toBeCloseTo(11.631728396567448, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 14);
  });
  it('rejects values that are not positive multiples of ½', () => {
    expect(() => gamma(0.3)).toThrow(/multiples of ½/);
    expect(() => gamma(0)).toThrow();
  });
});

describe('t density and Simpson integral', () => {
  it('density at 0 for 1 dof is 1/π', () => {
    expect(tDensity(0, 1)).toBeCloseTo(1 / Math.PI, 15);
  });
  it('Simpson integrates a cubic exactly', () => {
    expect(simpsonIntegrate((x) => x * x * x, 0, 2)).toBeCloseTo(4, 12);
  });
  it('Program 5 integral equals the closed form to its 1e-5 stopping rule', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 6, noNaN: true }), fc.integer({ min: 1, max: 40 }), (x, dof) => {
        expect(Math.abs(pspTIntegral(x, dof) - closedFormCentral(x, dof) / 2)).toBeLessThan(1e-5);
      }),
      { numRuns: 100 },
    );
  });
  it('the high-precision integral equals the closed form to 1e-12', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 1, max: 120 }), (x, dof) => {
        expect(Math.abs(tIntegral(x, dof) - closedFormCentral(x, dof) / 2)).toBeLessThan(1e-12);
        expect(Math.abs(tTwoTailedSignificance(x, dof) - (1 - closedFormCentral(x, dof)))).toBeLessThan(1e-12);
      }),
      { numRuns: 150 },
    );
  });
  it('is odd, and the CDF spans 0..1', () => {
    expect(tIntegral(-1.5, 7)).toBeCloseTo(-tIntegral(1.5, 7), 15);
    expect(tCdf(0, 5)).toBe(0.5);
    expect(tCdf(Infinity, 5)).toBeCloseTo(1, 12);
    expect(tTwoTailedSignificance(Infinity, 5)).toBe(0);
    expect(tTwoTailedSignificance(0, 5)).toBeCloseTo(1, 12);
  });
});

describe('t quantiles (inverse of the integral)', () => {
  it('gives the PSP table values', () => {
    expect(tForInterval(70, 8)).toBeCloseTo(1.1081454445582555, 10);
    expect(tForInterval(90, 8)).toBeCloseTo(1.8595480375308973, 10);
    expect(tForInterval(95, 1)).toBeCloseTo(12.706204736174705, 8);
    expect(tForInterval(50, 1)).toBeCloseTo(1, 12);
  });
  it('round-trips: ∫₀^t(p) f = p', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 0.4999, noNaN: true }), fc.integer({ min: 1, max: 100 }), (p, dof) => {
        const t = tInverseIntegral(p, dof);
        expect(Number.isFinite(t)).toBe(true);
        expect(Math.abs(tIntegral(t, dof) - p)).toBeLessThan(1e-12);
      }),
      { numRuns: 150 },
    );
  });
  it('matches a bisection on the closed form to 1e-9 relative', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 99.9, noNaN: true }), fc.integer({ min: 1, max: 60 }), (percent, dof) => {
        const t = tForInterval(percent, dof);
        const ref = closedFormTForInterval(percent, dof);
        expect(Math.abs(t - ref)).toBeLessThanOrEqual(1e-9 * Math.max(1, ref));
      }),
      { numRuns: 100 },
    );
  });
  it('rejects out-of-range input', () => {
    expect(() => tForInterval(100, 5)).toThrow(/between 0 and 100/);
    expect(() => tForInterval(0, 5)).toThrow();
    expect(() => tInverseIntegral(0.5, 5)).toThrow();
    expect(() => tDensity(1, 0)).toThrow(/degrees of freedom/);
  });
});
