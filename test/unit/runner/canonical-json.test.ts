import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, OutcomeDigest, taskDigest } from '../../../src/engine/outcome-digest.ts';
import type { TaskOutcome } from '../../../src/workflow/task-types.ts';

/** The definition digests were made with: JSON.stringify rebuilding every object with sorted keys. */
const sortingReplacer = (_key: string, v: unknown) => {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return v;
};
const reference = (value: unknown) => JSON.stringify(value, sortingReplacer);

/** Strings JSON.stringify escapes (quote, backslash, control characters, lone surrogates) or leaves as they are (non-ASCII, U+2028, pairs). */
const awkward = fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\t', '\u0000', '\u001f', '\u007f', '\ud800', '\udfff', '\u2028', 'é', 'β', '😀', 'a', '/', ':', ',') });
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), awkward);
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 0, 1e21, 1e-7, -1e21, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 0.1 + 0.2));
/** Names from a small pool, so object shapes repeat (the shape cache is hit), some integer-like or empty. */
const name = fc.oneof(text, fc.constantFrom('0', '1', '10', '9', '007', '-1', '1.5', '4294967294', '4294967295', '', 'a', 'B', 'aa', 'toJSON_', '\u0000', 'a\u0000b'));

const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.constant(() => 1),
    fc.constant(Symbol('s')),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('object'), tie('withToJSON')),
  array: fc.array(fc.oneof(tie('node'), fc.constant(undefined)), { maxLength: 20 }),
  object: fc.dictionary(name, tie('node'), { maxKeys: 8 }),
  // toJSON gets the member's name (an array element's index as a string), and what it returns is written in its place.
  withToJSON: fc.tuple(fc.boolean(), tie('node')).map(([useKey, inner]) => ({ toJSON: (key: string) => (useKey ? { key, inner } : inner) })),
}));

describe('canonicalJson (outcome and request digests)', () => {
  it('writes exactly the text of JSON.stringify with the sorting replacer, for any JSON-like value', () => {
    fc.assert(
      fc.property(value.node, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes the same text for objects of one shape built in different key orders, and for shapes that differ only where a name holds NUL', () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 10 }), fc.array(number, { minLength: 10, maxLength: 10 }), (names, numbers) => {
        const forward = Object.fromEntries(names.map((n, i) => [n, numbers[i]]));
        const backward = Object.fromEntries(names.map((n, i) => [n, numbers[i]]).reverse());
        expect(canonicalJson(forward)).toBe(reference(forward));
        expect(canonicalJson(backward)).toBe(reference(forward));
      }),
      { numRuns: 1000 },
    );
    const a = { 'a\u0000': 1, b: 2 };
    const b = { a: 1, '\u0000b': 2 };
    expect([canonicalJson(a), canonicalJson(b), canonicalJson(a)]).toEqual([reference(a), reference(b), reference(a)]);
  });

  it('gives the same text with an array cache, for shared arrays', () => {
    const shared = Array.from({ length: 20 }, (_, i) => ({ x: i, y: [i, `${i}`] }));
    const cache = new WeakMap<readonly unknown[], string>();
    const a = { history: shared, id: 'a' };
    const b = { id: 'b', history: shared };
    expect(canonicalJson(a, cache)).toBe(reference(a));
    expect(canonicalJson(b, cache)).toBe(reference(b));
  });

  it('taskDigest is sha256 of that text', () => {
    const outcome = { taskId: 't-1', state: 'done', reviewRounds: 1, estimate: { proxySize: 12, note: 'β "q"' }, defects: [{ id: 'd', fixMinutes: 2.5 }] } as unknown as TaskOutcome;
    expect(taskDigest(outcome)).toBe(createHash('sha256').update(reference(outcome)).digest('hex'));
  });

  it("the run's outcome digest is sha256 of the XOR of sha256(taskId, newline, taskDigest) over its tasks, then the task count", () => {
    const outcomes = ['a', 'b', 'c'].map((taskId, i) => ({ taskId, state: 'done', estimate: { proxySize: i } }) as unknown as TaskOutcome);
    const acc = Buffer.alloc(32);
    for (const o of outcomes) {
      const h = createHash('sha256')
        .update(`${o.taskId}\n${createHash('sha256').update(reference(o)).digest('hex')}`)
        .digest();
      for (let i = 0; i < 32; i++) acc[i] = (acc[i] as number) ^ (h[i] as number);
    }
    const digest = new OutcomeDigest();
    for (const o of [...outcomes].reverse()) digest.add(o);
    expect(digest.value()).toBe(createHash('sha256').update(acc).update('3').digest('hex'));
  });
});
