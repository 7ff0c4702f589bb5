// The prediction interval of y at x_k for a linear regression (PSP PROBE).
import { regression } from './regression.mjs';
import { tInverse } from './t-distribution.mjs';

/** `percent`: 0.7 for the 70 % interval. */
export function predictionInterval(pairs, xk, percent) {
  const { n, beta0, beta1, xAvg } = regression(pairs);
  const yk = beta0 + beta1 * xk;
  const residuals = pairs.reduce((s, p) => s + (p.y - beta0 - beta1 * p.x) ** 2, 0);
  const sigma = Math.sqrt(residuals / (n - 2));
  const spread = pairs.reduce((s, p) => s + (p.x - xAvg) ** 2, 0);
  const range = tInverse(percent / 2, n - 2) * sigma * Math.sqrt(1 + 1 / n + (xk - xAvg) ** 2 / spread);
  return { yk, range, upi: yk + range, lpi: yk - range };
}
