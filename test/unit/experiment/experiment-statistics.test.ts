import { describe as group, expect, it } from 'vitest';
import { describe, differenceSentence, formatPercent, pairedDifference } from '../../../src/experiment/experiment-statistics.ts';

group('describe', () => {
  it('gives mean, sd, percentiles and a t interval of the mean', () => {
    const d = describe([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(d.n).toBe(8);
    expect(d.mean).toBe(5);
    expect(d.sd).toBeCloseTo(2.13809, 5);
    expect(d.p50).toBe(4.5);
    // t(0.975, 7) = 2.364624
    expect(d.ci!.high - 5).toBeCloseTo((2.364624 * 2.13809) / Math.sqrt(8), 4);
    expect(d.ci!.low).toBeCloseTo(10 - d.ci!.high, 9);
  });

  it('leaves out runs without a value and has no interval below two values', () => {
    const d = describe([null, 3, null]);
    expect(d.n).toBe(1);
    expect(d.mean).toBe(3);
    expect(d.ci).toBeNull();
  });
});

group('pairedDifference', () => {
  it('pairs by seed: a constant shift has a zero-width interval that excludes zero', () => {
    const base = [10, 20, 30, 40];
    const d = pairedDifference(
      base.map((x) => x - 5),
      base,
    );
    expect(d.mean).toBe(-5);
    expect(d.ci).toEqual({ low: -5, high: -5 });
    expect(d.relative).toBeCloseTo(-0.2, 12);
    expect(d.significant).toBe(true);
  });

  it('identical runs (a null variant) give an interval that includes zero and no claim', () => {
    const base = [3, 1, 4, 1, 5, 9, 2, 6];
    const d = pairedDifference([...base], base);
    expect(d.mean).toBe(0);
    expect(d.ci!.low).toBeLessThanOrEqual(0);
    expect(d.ci!.high).toBeGreaterThanOrEqual(0);
    expect(d.significant).toBe(false);
    expect(differenceSentence('escaped defects', d)).toMatch(/^no clear difference in escaped defects: 0 % .*includes zero; n = 8 paired seeds$/);
  });

  it('noise around zero makes no claim; the sentence gives the interval and the sample size', () => {
    const base = [5, 6, 7, 8, 9, 10];
    const d = pairedDifference([6, 5, 8, 7, 10, 9], base);
    expect(d.mean).toBe(0);
    expect(d.significant).toBe(false);
    expect(differenceSentence('tasks done', d)).toContain('n = 6 paired seeds');
  });

  it('says the direction with its interval when the interval excludes zero', () => {
    const base = [10, 12, 9, 11, 10, 13, 12, 11];
    const variant = [6, 7, 5, 7, 6, 8, 7, 6];
    const d = pairedDifference(variant, base);
    expect(d.significant).toBe(true);
    expect(d.relativeCi!.high).toBeLessThan(0);
    expect(differenceSentence('escaped defects', d)).toMatch(/^escaped defects −4\d % \(95 % CI −\d+ % to −\d+ %\); n = 8 paired seeds$/);
  });

  it('uses absolute figures when the baseline mean is zero', () => {
    const d = pairedDifference([1, 2, 1, 2], [0, 0, 0, 0]);
    expect(d.relative).toBeNull();
    expect(differenceSentence('cost (USD)', d)).toMatch(/^cost \(USD\) \+1\.50 \(95 % CI \+\d\.\d+ to \+\d\.\d+\)/);
  });

  it('drops seeds that miss a value on either side', () => {
    const d = pairedDifference([1, null, 3], [1, 2, null]);
    expect(d.n).toBe(1);
    expect(d.ci).toBeNull();
  });
});

it('formats percentages with a real minus sign', () => {
  expect(formatPercent(-0.41)).toBe('−41 %');
  expect(formatPercent(0.032)).toBe('+3.2 %');
  expect(formatPercent(0.00001)).toBe('0 %');
});
