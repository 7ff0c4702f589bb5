/**
 * Descriptive statistics used by PROBE (PSP Program 1). Every function
 * returns `null` instead of NaN when the value is not defined for the
 * input (empty list, or a single value for the sample variance).
 */
import { AspError } from '../errors.ts';

/** Throws PROBE_INPUT unless every value is a finite number. */
export function assertFiniteNumbers(values: readonly number[], what: string): void {
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new AspError('PROBE_INPUT', `${what}[${i}] is ${String(v)}, expected a finite number`, {
        hint: 'remove or correct the value',
        exitCode: 2,
      });
    }
  });
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Arithmetic mean; null for an empty list. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return sum(values) / values.length;
}

/** Σ(xᵢ − x̄)², computed in two passes for accuracy; null for an empty list. */
export function sumSquaredDeviations(values: readonly number[]): number | null {
  const m = mean(values);
  if (m === null) return null;
  let total = 0;
  for (const v of values) total += (v - m) * (v - m);
  return total;
}

/** Sample variance (divides by n − 1); null when n < 2. */
export function sampleVariance(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const ss = sumSquaredDeviations(values);
  return ss === null ? null : ss / (values.length - 1);
}

/** Sample standard deviation (PSP Program 1); null when n < 2. */
export function sampleStdDev(values: readonly number[]): number | null {
  const v = sampleVariance(values);
  return v === null ? null : Math.sqrt(v);
}
