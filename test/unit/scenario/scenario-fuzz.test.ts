import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { AspError } from '../../../src/errors.ts';
import { parseScenario } from '../../../src/scenario/scenario-loader.ts';
import { ScenarioSchema } from '../../../src/scenario/scenario-schema.ts';

/**
 * Bad scenario documents, generated: whatever the input, the loader throws
 * AspError SCENARIO_INVALID (exit 2) naming the file, never another
 * exception, and returns within a bounded time.
 */

/** Generous bound per document (a loaded CI machine); a real hang is minutes. */
const CASE_MS = 5000;
const RUNS = 150;
const FILE = 'fuzz/bad-scenario.yaml';

type Path = Array<string | number>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A valid scenario touching most of the schema (checked below). */
const BASE: { [key: string]: Json } = {
  name: 'Fuzz',
  description: 'generated',
  seed: 3,
  runtime: 'process',
  workspace: 'none',
  workflow: { maxReviewRounds: 3, stepAttempts: 2, concurrency: 2, stepBackoffMs: 10 },
  listeners: { perPersona: 1, concurrency: 2 },
  personas: {
    jordan: {
      requirementQuality: 0.8,
      rejectThreshold: 2,
      agent: { kind: 'command', command: ['./agents/jordan.sh', '--fast'], timeoutMs: 60000, env: ['LANG', 'MODE=test'], timeFactor: 20, maxResponseBytes: 65536 },
    },
    alex: { productivity: 12, defectRate: 40, cost: { ai: true, tokensInPerMinute: 900, usdPer1kTokensIn: 0.003 } },
    sarah: { reviewYield: 0.6, approveThreshold: 0 },
  },
  history: {
    points: [{ proxySize: 130, planSize: 163, actualSize: 186, actualHours: 15 }],
    parts: [{ type: 'Calculation', size: 18, items: 3 }],
  },
  cycles: [
    { name: 'C1', tasks: [{ id: 'task-a', title: 'A', requirements: ['r1'], parts: [{ name: 'P', type: 'Calculation', relativeSize: 'M', items: 2 }] }] },
    { name: 'C2', generate: { count: 3, idPrefix: 'gen', proxySize: { median: 100, sigma: 0.5 } } },
  ],
  expect: ['tasks.done == 1'],
};

/** Fields that must be whole numbers (a fraction or an unsafe integer is wrong there). */
const INTEGER_FIELDS = new Set([
  'timeoutMs',
  'maxResponseBytes',
  'seed',
  'maxReviewRounds',
  'stepAttempts',
  'concurrency',
  'stepBackoffMs',
  'perPersona',
  'rejectThreshold',
  'approveThreshold',
  'items',
  'count',
]);

function walk(value: Json, path: Path, out: { leaves: Array<[Path, Json]>; objects: Path[]; containers: Path[] }) {
  if (value !== null && typeof value === 'object') {
    if (!Array.isArray(value)) out.objects.push(path);
    if (path.length > 0) out.containers.push(path);
    const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [k, v] of entries) walk(v, [...path, k], out);
  } else out.leaves.push([path, value]);
}
const SHAPE = { leaves: [] as Array<[Path, Json]>, objects: [] as Path[], containers: [] as Path[] };
walk(BASE, [], SHAPE);
const NUMBER_LEAVES = SHAPE.leaves.filter(([, v]) => typeof v === 'number').map(([p]) => p);

function getIn(root: Json, path: Path): Json {
  return path.reduce<Json>((n, k) => (n as Record<string | number, Json>)[k]!, root);
}

function setIn(root: Json, path: Path, value: Json): Json {
  const copy = structuredClone(root);
  if (path.length === 0) return value;
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path[path.length - 1]!] = value;
  return copy;
}

function expectRejected(source: string): void {
  const started = performance.now();
  let caught: unknown;
  try {
    parseScenario(source, FILE);
  } catch (err) {
    caught = err;
  }
  const ms = performance.now() - started;
  if (!(caught instanceof AspError)) {
    throw new Error(`expected AspError, got ${caught === undefined ? 'a loaded scenario' : String(caught)} for:\n${source.slice(0, 500)}`);
  }
  expect(caught.code).toBe('SCENARIO_INVALID');
  expect(caught.exitCode).toBe(2);
  expect(caught.message).toContain(FILE);
  expect(ms).toBeLessThan(CASE_MS);
}

const property = (arb: fc.Arbitrary<string>, numRuns = RUNS) => fc.assert(fc.property(arb, expectRejected), { numRuns });
/** Each property runs many documents: a per-test budget well above the unit default. */
const BUDGET_MS = 90_000;

const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.double(), fc.boolean(), fc.constant(null));
/** A value of another kind than `original` (and never one the field could accept). */
function wrongKind(original: Json, path: Path): fc.Arbitrary<Json> {
  const containers = [
    fc.array(fc.integer(), { minLength: 1, maxLength: 3 }),
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 5 }).map((k) => `zz${k}`),
      fc.integer(),
      { minKeys: 1, maxKeys: 3 },
    ),
  ];
  if (Array.isArray(original)) return fc.oneof(scalar, containers[1]!);
  if (original !== null && typeof original === 'object') return fc.oneof(scalar, fc.array(fc.integer(), { maxLength: 3 }));
  const seed = path[path.length - 1] === 'seed';
  if (typeof original === 'number') return fc.oneof(...(seed ? [] : [fc.string({ maxLength: 20 })]), fc.boolean(), fc.constant(null), ...containers);
  if (typeof original === 'string') return fc.oneof(...(seed ? [] : [fc.double()]), fc.boolean(), fc.constant(null), ...containers);
  return fc.oneof(fc.string({ maxLength: 20 }), fc.double(), fc.constant(null), ...containers);
}

/** The schema as JSON Schema: each field's bounds, read from the one source of truth. */
type JsonSchema = { properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[]; maximum?: number; maxLength?: number; enum?: unknown[]; const?: unknown; type?: string };
const JSON_SCHEMA = z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
/** The schema node of a document path (through properties, items and the branch of a union of the leaf's kind). */
function schemaAt(path: Path, kind: 'number' | 'string'): JsonSchema | undefined {
  let node: JsonSchema | undefined = JSON_SCHEMA;
  for (const key of path) {
    // A union (e.g. agent: 'simulated' | { kind: command, … }): the branch that has this key.
    const branch: JsonSchema | undefined = node?.anyOf?.find((b) => (typeof key === 'number' ? b.items : b.properties?.[key])) ?? node;
    node = typeof key === 'number' ? branch?.items : branch?.properties?.[key];
  }
  return node?.anyOf?.find((b) => (kind === 'number' ? b.type === 'number' || b.type === 'integer' : b.type === 'string')) ?? node;
}
const STRING_LEAVES = SHAPE.leaves.filter(([p, v]) => typeof v === 'string' && !schemaAt(p, 'string')?.enum && schemaAt(p, 'string')?.const === undefined).map(([p]) => p);

const HUGE_ANYWHERE = [Infinity, -Infinity, NaN, -1e300, -(2 ** 64), -Number.MAX_VALUE];
const HUGE_INTEGER = [2 ** 64, 1e300, 2 ** 53 + 2, 1.5, Number.MAX_VALUE];

const DEEP = '__DEEP_VALUE__';
function nested(style: 'seq' | 'map' | 'mixed', depth: number): string {
  if (style === 'seq') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  if (style === 'map') return `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
  return `${'[{a: '.repeat(depth)}1${'}]'.repeat(depth)}`;
}

function aliasBomb(levels: number, width: number, inside: boolean): string {
  const lines = [`&a0 [${Array.from({ length: width }, () => '"lol"').join(', ')}]`];
  for (let i = 1; i < levels; i++) lines.push(`&a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(', ')}]`);
  if (inside) return `name: bomb\ncycles:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`;
  return `${lines.map((l, i) => `k${i}: ${l}`).join('\n')}\nname: bomb\ncycles: [*a${levels - 1}]\n`;
}

describe('scenario loader under generated bad input', () => {
  it('accepts the base document the mutations start from', () => {
    expect(parseScenario(stringify(BASE), FILE).scenario.cycles).toHaveLength(2);
  });

  it(
    'rejects a wrong type anywhere',
    () => {
      const arb = fc.constantFrom(...SHAPE.leaves.map(([p]) => p), ...SHAPE.containers).chain((path) => wrongKind(getIn(BASE, path), path).map((v) => stringify(setIn(BASE, path, v))));
      property(arb);
    },
    BUDGET_MS,
  );

  it(
    'rejects an unknown key in any mapping',
    () => {
      const arb = fc.record({ at: fc.constantFrom(...SHAPE.objects), key: fc.string({ minLength: 1, maxLength: 30 }), value: fc.jsonValue({ maxDepth: 2 }) }).map(({ at, key, value }) => {
        const obj = getIn(BASE, at) as Record<string, Json>;
        return stringify(setIn(BASE, at, { ...obj, [`zz${key}`]: value as Json }));
      });
      property(arb);
    },
    BUDGET_MS,
  );

  it(
    'rejects huge, negative and non-finite numbers',
    () => {
      const anywhere = fc.record({ at: fc.constantFrom(...NUMBER_LEAVES), n: fc.constantFrom(...HUGE_ANYWHERE) });
      const integers = fc.record({ at: fc.constantFrom(...NUMBER_LEAVES.filter((p) => INTEGER_FIELDS.has(String(p[p.length - 1])))), n: fc.constantFrom(...HUGE_INTEGER) });
      property(fc.oneof(anywhere, integers).map(({ at, n }) => stringify(setIn(BASE, at, n))));
      // Written as digits, beyond what a double holds.
      property(fc.integer({ min: 310, max: 5000 }).map((digits) => `name: t\nseed: ${'9'.repeat(digits)}\ncycles: [{ tasks: [{ id: a, title: A, proxySize: 1e${digits} }] }]\n`));
    },
    BUDGET_MS,
  );

  it('bounds every number and every text of the schema', () => {
    const unbounded = [...NUMBER_LEAVES.filter((p) => !Number.isFinite(schemaAt(p, 'number')?.maximum)), ...STRING_LEAVES.filter((p) => !Number.isFinite(schemaAt(p, 'string')?.maxLength))];
    expect(unbounded.map((p) => p.join('.'))).toEqual([]);
  });

  it(
    'rejects any number past its bound (timers past 2^31−1 ms, floats past the model range)',
    () => {
      const arb = fc.constantFrom(...NUMBER_LEAVES).chain((at) => {
        const max = schemaAt(at, 'number')!.maximum!;
        const past =
          INTEGER_FIELDS.has(String(at[at.length - 1])) || at.includes('workflow')
            ? fc.integer({ min: 1, max: 2 ** 40 }).map((d) => max + d)
            : fc.double({ min: max * (1 + 1e-9), max: 1e308, noNaN: true });
        return past.map((n) => stringify(setIn(BASE, at, n)));
      });
      property(arb);
      // Written as digits, e.g. `stepTimeoutMs: 3000000000` (Node would run such a timer after 1 ms).
      property(
        fc
          .constantFrom('stepTimeoutMs', 'redisOutageMs')
          .chain((k) => fc.integer({ min: 2 ** 31, max: 2 ** 50 }).map((n) => `name: t\nworkflow: { ${k}: ${n} }\ncycles: [{ tasks: [{ id: a, title: A, proxySize: 5 }] }]\n`)),
        40,
      );
    },
    BUDGET_MS,
  );

  it(
    'rejects any text longer than its bound and more requirements than allowed',
    () => {
      const tooLong = fc.constantFrom(...STRING_LEAVES).chain((at) => {
        const max = schemaAt(at, 'string')!.maxLength!;
        return fc.integer({ min: max + 1, max: max + 3000 }).map((n) => stringify(setIn(BASE, at, 'x'.repeat(n)), { lineWidth: 0 }));
      });
      const requirements = ['cycles', 0, 'tasks', 0, 'requirements'];
      const tooMany = fc.integer({ min: 501, max: 700 }).map((n) =>
        stringify(
          setIn(
            BASE,
            requirements,
            Array.from({ length: n }, (_, i) => `r${i}`),
          ),
        ),
      );
      property(fc.oneof(tooLong, tooMany), 60);
    },
    BUDGET_MS,
  );

  it(
    'rejects deep nesting, in flow and block style, without overflowing',
    () => {
      const flow = fc
        .record({
          at: fc.constantFrom(...SHAPE.leaves.map(([p]) => p), ...SHAPE.containers),
          style: fc.constantFrom('seq' as const, 'map' as const, 'mixed' as const),
          depth: fc.integer({ min: 20, max: 2000 }),
        })
        .map(({ at, style, depth }) => stringify(setIn(BASE, at, DEEP)).replace(DEEP, nested(style, depth)));
      const block = fc.integer({ min: 20, max: 1500 }).map((depth) => Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n');
      const blockSeq = fc.integer({ min: 20, max: 1500 }).map((depth) => `name: t\ncycles:\n${Array.from({ length: depth }, (_, i) => `${'  '.repeat(i + 1)}-`).join('\n')} 1\n`);
      property(fc.oneof(flow, block, blockSeq), 80);
    },
    BUDGET_MS,
  );

  it(
    'rejects text that is not YAML, binary bytes and empty files',
    () => {
      const yamlish = fc.string({ unit: fc.constantFrom(...':-[]{}&*!|>\'"%@`#,?~ \n\tab1.'), maxLength: 400 });
      const unicode = fc.string({ unit: 'binary', maxLength: 400 });
      const bytes = fc.tuple(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom('utf8' as const, 'latin1' as const)).map(([b, enc]) => Buffer.from(b).toString(enc));
      const empty = fc.oneof(
        fc.constantFrom('', '\n', '---', '...', '---\n...\n', '~', 'null', '# only a comment\n', '\uFEFF', '\r\n\r\n'),
        fc.string({ unit: fc.constantFrom(' ', '\n', '\t', '\r'), maxLength: 50 }),
      );
      const jsonish = fc.jsonValue({ maxDepth: 4 }).map((v) => stringify(v));
      property(fc.oneof(yamlish, unicode, bytes, empty, jsonish));
    },
    BUDGET_MS,
  );

  it('rejects what is not text at all (a Buffer from readFileSync without an encoding, undefined)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => expectRejected(Buffer.from(bytes) as unknown as string)),
      { numRuns: 50 },
    );
    for (const odd of [undefined, null, 42, {}]) expectRejected(odd as unknown as string);
  });

  it(
    'rejects YAML alias bombs quickly',
    () => {
      property(
        fc.record({ levels: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 2, max: 12 }), inside: fc.boolean() }).map(({ levels, width, inside }) => aliasBomb(levels, width, inside)),
      );
    },
    BUDGET_MS,
  );

  it(
    'rejects documents with several YAML documents, duplicate keys or odd tags',
    () => {
      const valid = stringify(BASE);
      property(
        fc.oneof(
          fc.constant(`${valid}---\n${valid}`),
          fc
            .constantFrom('!!binary aGVsbG8=', '!!set { a, b }', '!!omap [ a: 1 ]', '!!js/function "x"', '!custom 1', '!!timestamp 2001-12-14', '*undefined_alias')
            .map((v) => valid.replace(/^name: .*$/m, `name: ${v}`)),
          fc.constantFrom('name', 'seed', 'cycles', 'workflow').map((k) => `${valid}${k}: again\n`),
          fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => `${k}: { polluted: true }\n${valid}`),
        ),
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
    BUDGET_MS,
  );
});
