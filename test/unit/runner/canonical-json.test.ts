import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/engine/outcome-digest.ts';

/** The definition digests were made with: JSON.stringify rebuilding every object with sorted keys. */
const reference = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });

const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date({ noInvalidDate: true })),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 20 }),
  object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '9', '007', '-1', '4294967294', '4294967295', 'a', 'B')), tie('node'), { maxKeys: 8 }),
}));

describe('canonicalJson (outcome and request digests)', () => {
  it('writes exactly the text of the reference definition, integer-like keys, undefined members, dates and non-finite numbers included', () => {
    fc.assert(
      fc.property(value.node, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same text with an array cache, for shared arrays', () => {
    const shared = Array.from({ length: 20 }, (_, i) => ({ x: i, y: [i, `${i}`] }));
    const cache = new WeakMap<readonly unknown[], string>();
    const a = { history: shared, id: 'a' };
    const b = { id: 'b', history: shared };
    expect(canonicalJson(a, cache)).toBe(reference(a));
    expect(canonicalJson(b, cache)).toBe(reference(b));
  });
});
