import { createHash } from 'node:crypto';
import type { TaskOutcome } from '../workflow/task-types.ts';

/**
 * JSON with object keys sorted, so equal values always serialize the same.
 * Exactly the text of `JSON.stringify` with a replacer that rebuilds every
 * object with its keys sorted (what digests were defined with: integer-like
 * keys come first in numeric order, as a rebuilt object enumerates them),
 * written out directly: no object is rebuilt. `cache` keeps the text of
 * arrays by identity (for arrays shared by many values that never change,
 * such as a cycle's PROBE history).
 */
export function canonicalJson(value: unknown, cache?: WeakMap<readonly unknown[], string>): string {
  // undefined (a root JSON.stringify leaves out) comes back as it does from JSON.stringify.
  return write(value, '', cache) as string;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;

/** The keys in JSON.stringify order of a rebuilt sorted object: code-unit order, array indices first in numeric order. */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
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

/** Quoted member names: objects of one shape repeat the same few names. Bounded, so odd inputs cannot grow it. */
const quotedKeys = new Map<string, string>();
function quoted(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, q);
  }
  return q;
}

/** The JSON text of `value` as a member named `key`, or undefined where JSON.stringify leaves it out. */
function write(value: unknown, key: string, cache: WeakMap<readonly unknown[], string> | undefined): string | undefined {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
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
  if (Array.isArray(v)) {
    const cached = cache?.get(v);
    if (cached !== undefined) return cached;
    let text = '[';
    for (let i = 0; i < v.length; i++) text += `${i > 0 ? ',' : ''}${write(v[i], String(i), cache) ?? 'null'}`;
    text += ']';
    if (cache && v.length >= 16) cache.set(v, text);
    return text;
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return JSON.stringify(v);
  const record = v as Record<string, unknown>;
  let text = '{';
  let first = true;
  for (const k of sortedKeys(record)) {
    const member = write(record[k], k, cache);
    if (member === undefined) continue;
    text += `${first ? '' : ','}${quoted(k)}:${member}`;
    first = false;
  }
  return `${text}}`;
}

/** Digests already computed, by outcome: the outcome digest, the recorder and the replayer each ask for the same finished task's. */
const taskDigests = new WeakMap<TaskOutcome, string>();

/** Hash of one task's final state: estimate, sizes, defects, times, state. A finished task's outcome is never changed, so it is computed once. */
export function taskDigest(outcome: TaskOutcome): string {
  let digest = taskDigests.get(outcome);
  if (digest === undefined) {
    digest = createHash('sha256').update(canonicalJson(outcome)).digest('hex');
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
    const h = createHash('sha256').update(`${outcome.taskId}\n${digest}`).digest();
    for (let i = 0; i < 32; i++) this.acc[i] = (this.acc[i] ?? 0) ^ (h[i] ?? 0);
    this.tasks++;
  }

  value(): string {
    return createHash('sha256').update(this.acc).update(String(this.tasks)).digest('hex');
  }
}
