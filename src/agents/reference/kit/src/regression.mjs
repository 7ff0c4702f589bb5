// Linear regression of n pairs (x, y): β0, β1, r and r² (PSP PROBE).

/** Reads "x,y" (or whitespace-separated) pairs, one per line; # starts a comment. */
export function readPairs(text) {
  const pairs = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const fields = line.split(/[\s,;]+/).map(Number);
    if (fields.length !== 2 || fields.some((v) => !Number.isFinite(v))) throw new Error(`line ${i + 1}: expected two numbers, got "${raw}"`);
    pairs.push({ x: fields[0], y: fields[1] });
  }
  return pairs;
}

const sum = (values) => values.reduce((s, v) => s + v, 0);

export function regression(pairs) {
  const n = pairs.length;
  if (n < 3) throw new Error(`regression needs at least 3 pairs, got ${n}`);
  const xs = pairs.map((p) => p.x);
  const ys = pairs.map((p) => p.y);
  const xAvg = sum(xs) / n;
  const yAvg = sum(ys) / n;
  const sxy = sum(pairs.map((p) => p.x * p.y));
  const sxx = sum(xs.map((x) => x * x));
  const syy = sum(ys.map((y) => y * y));
  const beta1 = (sxy - n * xAvg * yAvg) / (sxx - n * xAvg * xAvg);
  const beta0 = yAvg - beta1 * xAvg;
  const r = (n * sxy - sum(xs) * sum(ys)) / Math.sqrt((n * sxx - sum(xs) ** 2) * (n * syy - sum(ys) ** 2));
  return { n, beta0, beta1, r, r2: r * r, xAvg, yAvg };
}
