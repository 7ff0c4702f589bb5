/**
 * Seeded pseudo-random numbers. Every draw in the engine comes from a stream
 * keyed by (scenario seed, task id, step, round), never by scheduling order.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  normal(mean?: number, sd?: number): number;
  /** Log-normal with the given median and sigma of the underlying normal. */
  logNormal(median: number, sigma: number): number;
  poisson(lambda: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  int(minInclusive: number, maxInclusive: number): number;
}

/** FNV-1a 32-bit hash of a string; seeds the generator. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** sfc32, a small fast generator with a 128-bit state. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

export function createRandom(...key: Array<string | number>): Random {
  const text = key.join('\u0000');
  const gen = sfc32(hashString(text), hashString(`a${text}`), hashString(`b${text}`), hashString(`c${text}`));
  for (let i = 0; i < 12; i++) gen();
  let spare: number | null = null;
  const r: Random = {
    next: gen,
    uniform: (min, max) => min + (max - min) * gen(),
    normal(mean = 0, sd = 1) {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return mean + sd * s;
      }
      let u = 0;
      while (u === 0) u = gen();
      const v = gen();
      const mag = Math.sqrt(-2 * Math.log(u));
      spare = mag * Math.sin(2 * Math.PI * v);
      return mean + sd * mag * Math.cos(2 * Math.PI * v);
    },
    logNormal: (median, sigma) => median * Math.exp(sigma * r.normal()),
    poisson(lambda) {
      if (lambda <= 0) return 0;
      if (lambda > 50) return Math.max(0, Math.round(r.normal(lambda, Math.sqrt(lambda))));
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = 1;
      do {
        k++;
        p *= gen();
      } while (p > limit);
      return k - 1;
    },
    chance: (p) => gen() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(gen() * items.length)] as T;
    },
    int: (min, max) => min + Math.floor(gen() * (max - min + 1)),
  };
  return r;
}
