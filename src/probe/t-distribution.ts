/**
 * Student's t distribution as the PSP programs compute it.
 *
 * - `gamma` uses the recursive half-integer definition of PSP Program 5:
 *   Γ(x) = (x − 1)Γ(x − 1), Γ(1) = 1, Γ(½) = √π.
 * - `pspTIntegral` is PSP Program 5 exactly: Simpson's rule from 0 to x,
 *   num_seg = 10, doubling until two successive sums differ by less than
 *   E = 1e-5. It reproduces the course's published values (0.35006 …).
 * - The PROBE computations need far more precision than E = 1e-5 gives
 *   (the vectors check significance to 5e-11 and t quantiles to 1e-6),
 *   so `tIntegral`, `tTwoTailedSignificance` and `tForInterval` use the
 *   same Simpson doubling rule with E = 1e-14, after the substitution
 *   u = √ν·tan φ. That maps [0, ∞) onto [0, π/2) and turns the density
 *   into c·√ν·cos^(ν−1) φ, which is smooth and bounded, so the rule
 *   converges quickly for any t (including t → ∞ when r → ±1).
 * - The inverse ("trial and error" in PSP Program 6) is a bracketed
 *   Newton/bisection search on φ converging to ~1e-15 in φ.
 */
import { AspError } from '../errors.ts';

export const PSP_SIMPSON_EPSILON = 1e-5;
export const PSP_INITIAL_SEGMENTS = 10;
/** Convergence threshold of the high-precision integrals. */
export const PRECISE_SIMPSON_EPSILON = 1e-14;
const MAX_SEGMENTS = 1 << 22;

function assertDof(dof: number): void {
  if (!Number.isInteger(dof) || dof < 1) {
    throw new AspError('PROBE_INPUT', `degrees of freedom must be a positive integer, got ${String(dof)}`, {
      hint: 'use n − 2 for a regression over n ≥ 3 points',
      exitCode: 2,
    });
  }
}

function assertHalfInteger(x: number): void {
  if (!Number.isFinite(x) || x <= 0 || !Number.isInteger(2 * x)) {
    throw new AspError('PROBE_INPUT', `gamma is defined here for positive multiples of ½ only, got ${String(x)}`, {
      exitCode: 2,
    });
  }
}

/** Γ(x) for x = ½, 1, 3/2, 2, … by the recursive definition (overflows to Infinity past x ≈ 171). */
export function gamma(x: number): number {
  assertHalfInteger(x);
  let result = 1;
  let v = x;
  while (v > 1) {
    v -= 1;
    result *= v;
  }
  return v === 1 ? result : result * Math.sqrt(Math.PI);
}

/** ln Γ(x) by the same recursion, summed in log space (never overflows). */
export function logGamma(x: number): number {
  assertHalfInteger(x);
  let result = 0;
  let v = x;
  while (v > 1) {
    v -= 1;
    result += Math.log(v);
  }
  return v === 1 ? result : result + 0.5 * Math.log(Math.PI);
}

const coefficientCache = new Map<number, number>();

/** Γ((ν+1)/2) / Γ(ν/2), direct while the gammas are finite, else via logs. */
function gammaRatio(dof: number): number {
  const a = gamma((dof + 1) / 2);
  const b = gamma(dof / 2);
  if (Number.isFinite(a) && Number.isFinite(b)) return a / b;
  return Math.exp(logGamma((dof + 1) / 2) - logGamma(dof / 2));
}

/** The constant Γ((ν+1)/2)/(√(νπ)·Γ(ν/2)) of the t density. */
function densityCoefficient(dof: number): number {
  let c = coefficientCache.get(dof);
  if (c === undefined) {
    c = gammaRatio(dof) / Math.sqrt(dof * Math.PI);
    coefficientCache.set(dof, c);
  }
  return c;
}

/** f(x; ν) = Γ((ν+1)/2)/(√(νπ)Γ(ν/2)) · (1 + x²/ν)^(−(ν+1)/2). */
export function tDensity(x: number, dof: number): number {
  assertDof(dof);
  return densityCoefficient(dof) * Math.pow(1 + (x * x) / dof, -(dof + 1) / 2);
}

export interface SimpsonOptions {
  /** Starting number of segments (PSP: 10; must be even). */
  initialSegments?: number;
  /** Stop when two successive sums differ by less than this (PSP: 1e-5). */
  epsilon?: number;
}

function simpsonSum(f: (x: number) => number, low: number, high: number, numSeg: number): number {
  const w = (high - low) / numSeg;
  let total = f(low) + f(high);
  for (let i = 1; i < numSeg; i++) total += (i % 2 === 1 ? 4 : 2) * f(low + i * w);
  return (w / 3) * total;
}

/**
 * Simpson's rule as in PSP Program 5: W = (high − low)/num_seg, sum =
 * W/3·[f(low) + 4Σodd + 2Σeven + f(high)], num_seg doubled until successive
 * sums differ by less than epsilon.
 */
export function simpsonIntegrate(f: (x: number) => number, low: number, high: number, options: SimpsonOptions = {}): number {
  if (low === high) return 0;
  const epsilon = options.epsilon ?? PSP_SIMPSON_EPSILON;
  let numSeg = options.initialSegments ?? PSP_INITIAL_SEGMENTS;
  let previous = simpsonSum(f, low, high, numSeg);
  for (;;) {
    numSeg *= 2;
    const next = simpsonSum(f, low, high, numSeg);
    if (Math.abs(next - previous) < epsilon || numSeg >= MAX_SEGMENTS) return next;
    previous = next;
  }
}

/** PSP Program 5 exactly: ∫₀ˣ f(u; ν) du with Simpson's rule and E = 1e-5. */
export function pspTIntegral(x: number, dof: number, epsilon = PSP_SIMPSON_EPSILON): number {
  assertDof(dof);
  if (!Number.isFinite(x)) throw new AspError('PROBE_INPUT', `t integral upper limit must be finite, got ${x}`, { exitCode: 2 });
  return simpsonIntegrate((u) => tDensity(u, dof), 0, x, { epsilon });
}

/** The density after u = √ν·tan φ: c·√ν·cos^(ν−1) φ on [0, π/2]. */
function angularDensity(dof: number): (phi: number) => number {
  const k = densityCoefficient(dof) * Math.sqrt(dof);
  if (dof === 1) return () => k;
  return (phi) => k * Math.pow(Math.max(0, Math.cos(phi)), dof - 1);
}

function angleOf(t: number, dof: number): number {
  return t === Infinity ? Math.PI / 2 : Math.atan(t / Math.sqrt(dof));
}

function angularIntegral(dof: number, from: number, to: number): number {
  return simpsonIntegrate(angularDensity(dof), from, to, { epsilon: PRECISE_SIMPSON_EPSILON });
}

/** High-precision ∫₀ᵗ f(u; ν) du (the PSP "p"), for any t including ±Infinity. */
export function tIntegral(t: number, dof: number): number {
  assertDof(dof);
  if (Number.isNaN(t)) throw new AspError('PROBE_INPUT', 't must be a number, got NaN', { exitCode: 2 });
  if (t < 0) return -tIntegral(-t, dof);
  return angularIntegral(dof, 0, angleOf(t, dof));
}

/** Two-tailed tail area 1 − 2p = P(|T| ≥ |t|), computed from the tail so tiny values keep their precision. */
export function tTwoTailedSignificance(t: number, dof: number): number {
  assertDof(dof);
  if (Number.isNaN(t)) throw new AspError('PROBE_INPUT', 't must be a number, got NaN', { exitCode: 2 });
  return memo(significanceCache, `${t}/${dof}`, () => {
    const theta = angleOf(Math.abs(t), dof);
    const tail = 2 * angularIntegral(dof, theta, Math.PI / 2);
    return Math.min(1, Math.max(0, tail));
  });
}

/**
 * The integrals are pure and costly; every task of a cycle estimates from the
 * same history, so the same (t, dof) pairs come back again and again.
 */
const significanceCache = new Map<string, number>();
const quantileCache = new Map<string, number>();
const MEMO_LIMIT = 10_000;

function memo(cache: Map<string, number>, key: string, compute: () => number): number {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (cache.size >= MEMO_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** Cumulative distribution function P(T ≤ t). */
export function tCdf(t: number, dof: number): number {
  return 0.5 + tIntegral(t, dof);
}

/**
 * The x for which ∫₀ˣ f(u; ν) du = p, for 0 ≤ p < 0.5 (PSP Program 6).
 * Bracketed Newton iteration on φ = atan(x/√ν) with bisection fallback.
 */
export function tInverseIntegral(p: number, dof: number): number {
  assertDof(dof);
  if (!(p >= 0 && p < 0.5)) {
    throw new AspError('PROBE_INPUT', `the t integral target must be in [0, 0.5), got ${String(p)}`, { exitCode: 2 });
  }
  if (p === 0) return 0;
  const g = angularDensity(dof);
  let lo = 0;
  let hi = Math.PI / 2;
  let phi = Math.atan(1 / Math.sqrt(dof)); // start near t = 1
  for (let iter = 0; iter < 200; iter++) {
    const value = angularIntegral(dof, 0, phi) - p;
    if (value === 0) break;
    if (value > 0) hi = phi;
    else lo = phi;
    const slope = g(phi);
    let next = slope > 0 ? phi - value / slope : Number.NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    const converged = Math.abs(next - phi) <= 1e-15 * Math.max(1, phi) || hi - lo <= 1e-16;
    phi = next;
    if (converged) break;
  }
  return Math.sqrt(dof) * Math.tan(phi);
}

/**
 * t(p, ν) for a central prediction interval of `percent` % (e.g. 70 → the
 * 0.85 quantile, 1.108 at 8 dof): the x for which ∫₀ˣ f = percent/200.
 */
export function tForInterval(percent: number, dof: number): number {
  if (!(percent > 0 && percent < 100)) {
    throw new AspError('PROBE_INPUT', `interval percent must be between 0 and 100 (exclusive), got ${String(percent)}`, {
      hint: 'use 70 for a 70 % prediction interval',
      exitCode: 2,
    });
  }
  return memo(quantileCache, `${percent}/${dof}`, () => tInverseIntegral(percent / 200, dof));
}
