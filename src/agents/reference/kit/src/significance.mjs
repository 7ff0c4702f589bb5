// The significance of a correlation: the two-tailed probability that |r| this large arises by chance.
import { regression } from './regression.mjs';
import { tIntegral } from './t-distribution.mjs';

export function significance(pairs) {
  const { n, r } = regression(pairs);
  const t = (Math.abs(r) * Math.sqrt(n - 2)) / Math.sqrt(1 - r * r);
  return { t, tail: 1 - 2 * tIntegral(t, n - 2) };
}
