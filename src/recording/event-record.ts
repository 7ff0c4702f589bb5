import { createHash, hash, type Hash } from 'node:crypto';
import type { WatchedEvent } from '../engine/task-driver.ts';
import { canonicalJson } from '../engine/outcome-digest.ts';

/**
 * The comparable form of one task-machine event: what the recorder writes
 * and what the replayer checks, computed by the same code on both sides.
 */
export interface EventRecord {
  type: string;
  state: string;
  round: number;
  output?: string;
  error?: { message: string; code?: string };
}

/**
 * Every task of a cycle shares the same PROBE history array, so its text is
 * cached by identity: a 1,000-task run serializes each history once.
 */
const arrayCache = new WeakMap<readonly unknown[], string>();

/** sha256 of canonical JSON (object keys sorted; undefined members dropped as JSON.stringify does). */
export function digestOf(value: unknown): string {
  return hash('sha256', canonicalJson(value, arrayCache), 'hex');
}

/**
 * The hash state after `{"history":<the history's canonical JSON>`, by
 * history array: every estimate of a cycle shares one history (up to 200
 * points), which comes first in its request's canonical JSON.
 */
const historyPrefixes = new WeakMap<readonly unknown[], Hash>();

/**
 * sha256 of a step request (the actor input the machine built): digestOf the
 * request. An estimate request's history is hashed once per cycle: the hash
 * of the text up to it is copied and the rest of the request added, which
 * gives the same digest.
 */
export function requestDigest(request: unknown): string {
  const history = leadingHistory(request);
  if (!history) return digestOf(request);
  let prefix = historyPrefixes.get(history);
  if (!prefix) {
    prefix = createHash('sha256').update(`{"history":${canonicalJson(history, arrayCache)}`);
    historyPrefixes.set(history, prefix);
  }
  const { history: _history, ...rest } = request as { history: unknown };
  const restText = canonicalJson(rest);
  return prefix
    .copy()
    .update(restText === '{}' ? '}' : `,${restText.slice(1)}`)
    .digest('hex');
}

/** The request's history array when its canonical JSON starts with it (no member name sorts before "history"). */
function leadingHistory(request: unknown): readonly unknown[] | undefined {
  if (!request || typeof request !== 'object' || Array.isArray(request) || typeof (request as { toJSON?: unknown }).toJSON === 'function') return undefined;
  const history = (request as { history?: unknown }).history;
  if (!Array.isArray(history) || typeof (history as { toJSON?: unknown }).toJSON === 'function') return undefined;
  for (const key of Object.keys(request)) if (key !== 'history' && !(key > 'history')) return undefined;
  return history;
}

/**
 * A done event's output is the step's result, which the recording holds in
 * its result line (and replay feeds back as it is): it is not digested again.
 */
export function eventRecord(watched: WatchedEvent): EventRecord {
  const { event, state, round } = watched;
  const record: EventRecord = { type: event.type, state, round };
  if ('error' in event) record.error = errorRecord(event.error);
  return record;
}

function errorRecord(error: unknown): { message: string; code?: string } {
  // The same text the task machine puts in the failure message.
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  const code = error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return code ? { message, code } : { message };
}

export function sameEvent(a: EventRecord, b: EventRecord): boolean {
  return a.type === b.type && a.state === b.state && a.round === b.round && a.output === b.output && a.error?.message === b.error?.message;
}

/** One line a person reads: `xstate.done.actor.review → accepting (round 1), output 3fa2c1d0`. */
export function describeEvent(e: EventRecord): string {
  const tail = e.error ? `, error "${e.error.message}"` : e.output ? `, output ${e.output.slice(0, 12)}` : '';
  return `${e.type} → ${e.state} (round ${e.round})${tail}`;
}
