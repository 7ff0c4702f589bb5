import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedLine } from '../../../src/recording/recording-line-check.ts';
import { RecordingLineSchema } from '../../../src/recording/recording-schema.ts';
import { inlineRun, SMALL_SCENARIO } from '../../support/inline-run.ts';

// Lines of a real recording are edited freely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonLine = Record<string, any>;

let dir: string;
let lines: JsonLine[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asp-line-check-'));
  const run = await inlineRun(SMALL_SCENARIO, dir);
  lines = gunzipSync(readFileSync(run.file))
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonLine);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const copy = (l: JsonLine): JsonLine => JSON.parse(JSON.stringify(l)) as JsonLine;

/** The check never accepts what the schema rejects, and what it accepts is what the schema returns. */
function agrees(line: JsonLine): 'accepted' | 'left to the schema' {
  const checked = checkedLine(line);
  const parsed = RecordingLineSchema.safeParse(line);
  if (checked === undefined) return 'left to the schema';
  expect(parsed.success, `the check accepted a line the schema rejects: ${JSON.stringify(line).slice(0, 300)}`).toBe(true);
  expect(checked).toEqual(parsed.data);
  return 'accepted';
}

/** Every path to a member (objects and arrays) of `value`. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...at, i], ...paths(v, [...at, i])]);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [[...at, k], ...paths(v, [...at, k])]);
  return [];
}

function setAt(line: JsonLine, path: (string | number)[], value: unknown): JsonLine {
  const out = copy(line);
  let o = out;
  for (const k of path.slice(0, -1)) o = o[k];
  const last = path.at(-1)!;
  if (value === DELETE) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = value;
  return out;
}
const DELETE = Symbol('delete');

describe('hand-written recording line check', () => {
  it('accepts the dispatch, event and result lines of a real recording, as the schema returns them', () => {
    const byKind = new Map<string, number>();
    for (const line of lines) if (agrees(line) === 'accepted') byKind.set(line.kind, (byKind.get(line.kind) ?? 0) + 1);
    expect([...byKind.keys()].sort()).toEqual(['dispatch', 'event', 'result']);
    const results = lines.filter((l) => l.kind === 'result');
    expect(byKind.get('result')).toBe(results.length);
    expect(new Set(results.map((l) => l.result.step))).toEqual(new Set(['define', 'estimate', 'implement', 'review', 'accept', 'fix']));
  });

  it('never accepts a line the schema rejects: every member removed, retyped, stretched or added', () => {
    const samples = new Map<string, JsonLine>();
    for (const line of lines) {
      const key = line.kind === 'result' ? `result:${line.result.step}` : line.kind;
      if (!samples.has(key)) samples.set(key, line);
    }
    const odd: unknown[] = [DELETE, null, -1, 1.5, 2 ** 60, 0, '', 'x'.repeat(5000), 'nope', [], {}, true, 'a'.repeat(64), 101, 9];
    let rejected = 0;
    let mutations = 0;
    for (const line of samples.values()) {
      for (const path of paths(line)) {
        for (const value of odd) {
          mutations++;
          const changed = setAt(line, path, value);
          agrees(changed);
          if (!RecordingLineSchema.safeParse(changed).success) rejected++;
        }
      }
      const extra = copy(line);
      extra.surplus = 1;
      expect(agrees(extra)).toBe('left to the schema');
      if (line.kind === 'result') {
        const inner = copy(line);
        inner.result.surplus = 1;
        expect(agrees(inner)).toBe('left to the schema');
        inner.result = null;
        expect(agrees(inner)).toBe('left to the schema');
      }
    }
    // The mutations do reach lines the schema rejects (the check was put to the test).
    expect(rejected).toBeGreaterThan(mutations / 2);
  });
});
