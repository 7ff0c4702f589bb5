import { createHash } from 'node:crypto';
import type { WatchedEvent } from '../engine/machine-watch.ts';
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
  return createHash('sha256').update(canonicalJson(value, arrayCache)).digest('hex');
}

/** sha256 of a step request (the actor input the machine built). */
export function requestDigest(request: unknown): string {
  return digestOf(request);
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
