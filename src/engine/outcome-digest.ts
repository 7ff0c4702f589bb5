import { createHash, hash } from 'node:crypto';
import type { TaskOutcome } from '../workflow/task-types.ts';

/**
 * JSON with object keys sorted, so equal values always serialize the same.
 * Exactly the text of `JSON.stringify` with a replacer that rebuilds every
 * object with its keys sorted (what digests were defined with: integer-like
 * keys come first in numeric order, as a rebuilt object enumerates them):
 *
 *   JSON.stringify(value, (_key, v) => v && typeof v === 'object' && !Array.isArray(v)
 *     ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
 *     : v)
 *
 * written out directly: no object is rebuilt, and the sorted member names of
 * each object shape are worked out once. `cache` keeps the text of arrays by
 * identity (for arrays shared by many values that never change, such as a
 * cycle's PROBE history).
 */
export function canonicalJson(value: unknown, cache?: WeakMap<readonly unknown[], string>): string {
  // undefined (a root JSON.stringify leaves out) comes back as it does from JSON.stringify.
  return write(value, '', cache) as string;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;

/** The keys in JSON.stringify order of a rebuilt sorted object: code-unit order, array indices first in numeric order. */
function sortedKeys(own: readonly string[]): string[] {
  const keys = own.slice();
  // Insertion sort in code-unit order (what Array.prototype.sort does): objects here have few keys.
  let digit = false;
  for (let i = 0; i < keys.length; i++) {
    const x = keys[i] as string;
    const c = x.charCodeAt(0);
    if (c >= 48 && c <= 57) digit = true;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > x) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = x;
  }
  // Only a key starting with a digit can be an array index (the common case has none).
  if (!digit || !keys.some(isIndex)) return keys;
  const index = keys.filter(isIndex).sort((x, y) => Number(x) - Number(y));
  return [...index, ...keys.filter((k) => !isIndex(k))];
}

/** An object shape: its keys in output order, each member's `"key":` and `,"key":`. */
interface Shape {
  readonly keys: readonly string[];
  readonly first: readonly string[];
  readonly next: readonly string[];
}

/**
 * Shapes by their keys in enumeration order: a tree with one level per key,
 * so finding an object's shape hashes no new string. Bounded, so odd inputs
 * cannot grow it.
 */
interface ShapeNode {
  shape: Shape | undefined;
  readonly next: Map<string, ShapeNode>;
}
const shapes: ShapeNode = { shape: undefined, next: new Map() };
let shapeNodes = 0;

function shapeOf(record: object): Shape {
  const own = Object.keys(record);
  let node: ShapeNode | undefined = shapes;
  for (let i = 0; i < own.length && node !== undefined; i++) {
    const key = own[i] as string;
    let child: ShapeNode | undefined = node.next.get(key);
    if (child === undefined && shapeNodes < 16384) {
      child = { shape: undefined, next: new Map() };
      node.next.set(key, child);
      shapeNodes++;
    }
    node = child;
  }
  if (node?.shape !== undefined) return node.shape;
  const keys = sortedKeys(own);
  const first = keys.map((k) => `${JSON.stringify(k)}:`);
  const shape: Shape = { keys, first, next: first.map((n) => `,${n}`) };
  if (node !== undefined) node.shape = shape;
  return shape;
}

/** A string JSON.stringify writes with an escape: quote, backslash, control characters, surrogates (lone ones are escaped). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The JSON text of `value` as a member named `key` (an array index as a number), or undefined where JSON.stringify leaves it out. */
function write(value: unknown, key: string | number, cache: WeakMap<readonly unknown[], string> | undefined): string | undefined {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: (k: string) => unknown }).toJSON(String(key));
  switch (typeof v) {
    case 'string':
      return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : '"' + v + '"';
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    case 'bigint':
      return JSON.stringify(v); // throws, as JSON.stringify does
    default:
      return undefined; // undefined, functions, symbols
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    const cached = cache?.get(v);
    if (cached !== undefined) return cached;
    let text = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) text += ',';
      text += write(v[i], i, cache) ?? 'null';
    }
    text += ']';
    if (cache && v.length >= 16) cache.set(v, text);
    return text;
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return JSON.stringify(v);
  const record = v as Record<string, unknown>;
  const { keys, first, next } = shapeOf(record);
  let text = '{';
  let names = first;
  for (let i = 0; i < keys.length; i++) {
    const member = write(record[keys[i] as string], keys[i] as string, cache);
    if (member === undefined) continue;
    text += names[i] as string;
    text += member;
    names = next;
  }
  return text + '}';
}

/** Digests already computed, by outcome: the outcome digest, the recorder and the replayer each ask for the same finished task's. */
const taskDigests = new WeakMap<TaskOutcome, string>();

/** Hash of one task's final state: estimate, sizes, defects, times, state. A finished task's outcome is never changed, so it is computed once. */
export function taskDigest(outcome: TaskOutcome): string {
  let digest = taskDigests.get(outcome);
  if (digest === undefined) {
    digest = hash('sha256', canonicalJson(outcome), 'hex');
    taskDigests.set(outcome, digest);
  }
  return digest;
}

/**
 * The run's outcome digest: independent of completion order, listener count
 * and wall-clock time. Per-task hashes are combined with XOR, so the digest
 * is built in constant memory however many tasks a run has.
 */
export class OutcomeDigest {
  private readonly acc = Buffer.alloc(32);
  private tasks = 0;

  /** As a run observer: every finished task is added. */
  taskFinished(outcome: TaskOutcome): void {
    this.add(outcome);
  }

  /** `digest`: the task's digest when the caller has it already. */
  add(outcome: TaskOutcome, digest: string = taskDigest(outcome)): void {
    const h = hash('sha256', `${outcome.taskId}\n${digest}`, 'buffer');
    for (let i = 0; i < 32; i++) this.acc[i] = (this.acc[i] ?? 0) ^ (h[i] ?? 0);
    this.tasks++;
  }

  value(): string {
    return createHash('sha256').update(this.acc).update(String(this.tasks)).digest('hex');
  }
}
