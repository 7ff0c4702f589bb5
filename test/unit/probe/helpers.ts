import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ProbeHistoryPoint } from '../../../src/probe/index.ts';

export interface VectorValue {
  value: number;
  tolerance: number;
}
export interface VectorCase {
  id: string;
  inputs: Record<string, unknown>;
  expected: Record<string, VectorValue>;
  intermediates?: Record<string, VectorValue>;
}
export interface VectorFile {
  dataset: {
    estimated_proxy_size: number[];
    plan_added_modified_size: number[];
    actual_added_modified_size: number[];
    actual_development_hours: number[];
  };
  cases: VectorCase[];
}

export const vectors = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/psp-test-vectors.json', import.meta.url)), 'utf8')) as VectorFile;

/** Humphrey's Table D8 as history points; time in minutes (or hours when `unit` is 'hours'). */
export function tableD8History(unit: 'minutes' | 'hours' = 'minutes'): ProbeHistoryPoint[] {
  const d = vectors.dataset;
  return d.estimated_proxy_size.map((e, i) => ({
    proxySize: e,
    planSize: d.plan_added_modified_size[i] as number,
    actualSize: d.actual_added_modified_size[i] as number,
    actualMinutes: (d.actual_development_hours[i] as number) * (unit === 'minutes' ? 60 : 1),
  }));
}

/** Every number reachable from `value` is finite (no NaN, no ±Infinity). */
export function expectNoNaN(value: unknown, path = 'result'): void {
  if (typeof value === 'number') {
    expect(Number.isFinite(value), `${path} = ${value}`).toBe(true);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => expectNoNaN(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) expectNoNaN(v, `${path}.${k}`);
  }
}

/**
 * Closed-form A(t|ν) = P(|T| < t) for integer ν (Abramowitz & Stegun
 * 26.7.3–4): an independent reference for the Simpson-based integrals.
 */
export function closedFormCentral(t: number, dof: number): number {
  const theta = Math.atan(Math.abs(t) / Math.sqrt(dof));
  const c2 = Math.cos(theta) ** 2;
  if (dof % 2 === 1) {
    if (dof === 1) return (2 * theta) / Math.PI;
    let term = Math.cos(theta);
    let s = term;
    for (let k = 3; k <= dof - 2; k += 2) {
      term *= (c2 * (k - 1)) / k;
      s += term;
    }
    return (2 / Math.PI) * (theta + Math.sin(theta) * s);
  }
  let term = 1;
  let s = 1;
  for (let k = 2; k <= dof - 2; k += 2) {
    term *= (c2 * (k - 1)) / k;
    s += term;
  }
  return Math.sin(theta) * s;
}

/** Reference quantile: bisection on the closed form. */
export function closedFormTForInterval(percent: number, dof: number): number {
  let lo = 0;
  let hi = 1;
  while (closedFormCentral(hi, dof) < percent / 100) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (closedFormCentral(mid, dof) < percent / 100) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
