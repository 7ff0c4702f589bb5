// Student's t distribution: density, the integral from 0 to x (Simpson's rule) and its inverse.

function logGamma(z) {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

export function tDensity(x, dof) {
  const logC = logGamma((dof + 1) / 2) - logGamma(dof / 2) - 0.5 * Math.log(dof * Math.PI);
  return Math.exp(logC - ((dof + 1) / 2) * Math.log(1 + (x * x) / dof));
}

/** ∫₀ˣ t(u; dof) du by Simpson's rule, halving the step until two results agree to 1e-12. */
export function tIntegral(x, dof) {
  const simpson = (segments) => {
    const w = x / segments;
    let s = tDensity(0, dof) + tDensity(x, dof);
    for (let i = 1; i < segments; i++) s += (i % 2 === 1 ? 4 : 2) * tDensity(i * w, dof);
    return (w / 3) * s;
  };
  let segments = 10;
  let previous = simpson(segments);
  for (;;) {
    segments *= 2;
    const next = simpson(segments);
    if (Math.abs(next - previous) < 1e-11 || segments > 1 << 16) return next;
    previous = next;
  }
}

/** The x with ∫₀ˣ t(u; dof) du = p (0 ≤ p < 0.5), by bisection. */
export function tInverse(p, dof) {
  let lo = 0;
  let hi = 1;
  while (tIntegral(hi, dof) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (tIntegral(mid, dof) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
