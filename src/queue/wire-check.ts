import type { z } from 'zod';
import type { DefectSchema } from './job-schema.ts';

/**
 * Building blocks of the hand-written wire checks (job-check.ts,
 * envelope-check.ts): the rules of the zod schemas in job-schema.ts, written
 * out for speed. Each `copied…` function returns a fresh copy of a value the
 * schema accepts (as zod's parse does: nothing of the input is shared but a
 * loose object's unknown members) and `undefined` when the schema might not
 * accept it; the caller then runs the schema for its exact message.
 */
export type Rec = Record<string, unknown>;

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every enumerable key, inherited ones too (zod's strict objects look at
 * them with `for…in`), is one the schema names. Whether a required member is
 * there is the check of its value (undefined fails).
 */
export function onlyKeys(o: Rec, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

// zod 4: z.number() rejects NaN and ±Infinity; .int() asks for a safe integer.
export const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const nonNeg = (v: unknown): v is number => num(v) && v >= 0;
export const positive = (v: unknown): v is number => num(v) && v > 0;
export const int = (v: unknown): v is number => Number.isSafeInteger(v);
export const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
export const str = (v: unknown, min = 0, max = Infinity): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
/** An optional string member: absent (undefined) or within its length. */
export const optStr = (v: unknown, max = Infinity): boolean => v === undefined || str(v, 0, max);

export const PERSONAS: ReadonlySet<unknown> = new Set(['jordan', 'alex', 'sarah']);
const SEVERITIES: ReadonlySet<unknown> = new Set(['minor', 'major', 'critical']);

/** A copy of an array of strings, each at most `max` long, at most `maxItems` of them. */
export function copiedStrings(v: unknown, max = Infinity, maxItems = Infinity): string[] | undefined {
  if (!Array.isArray(v) || v.length > maxItems) return undefined;
  const out = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (typeof s !== 'string' || s.length > max) return undefined;
    out[i] = s;
  }
  return out;
}

/** A copy of every element, or undefined if one fails (or there are more than `maxItems`). */
export function copiedArray<T>(v: unknown, copied: (item: unknown) => T | undefined, maxItems = Infinity): T[] | undefined {
  if (!Array.isArray(v) || v.length > maxItems) return undefined;
  const out = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) {
    const item = copied(v[i]);
    if (item === undefined) return undefined;
    out[i] = item;
  }
  return out;
}

type Defect = z.infer<typeof DefectSchema>;
const DEFECT_KEYS: ReadonlySet<string> = new Set(['id', 'type', 'typeCode', 'severity', 'phaseInjected', 'fixMinutes', 'location', 'description']);

/** DefectSchema. */
export function copiedDefect(d: unknown): Defect | undefined {
  if (
    !isRecord(d) ||
    !onlyKeys(d, DEFECT_KEYS) ||
    !str(d.id, 1, 200) ||
    !str(d.type, 1, 40) ||
    !int(d.typeCode) ||
    d.typeCode < 10 ||
    d.typeCode > 100 ||
    !SEVERITIES.has(d.severity) ||
    !str(d.phaseInjected, 1, 40) ||
    !nonNeg(d.fixMinutes) ||
    !optStr(d.location, 500) ||
    !optStr(d.description, 2000)
  ) {
    return undefined;
  }
  const out: Defect = { id: d.id, type: d.type, typeCode: d.typeCode, severity: d.severity as Defect['severity'], phaseInjected: d.phaseInjected, fixMinutes: d.fixMinutes };
  if (d.location !== undefined) out.location = d.location as string;
  if (d.description !== undefined) out.description = d.description as string;
  return out;
}

export const copiedDefects = (v: unknown, maxItems = Infinity): Defect[] | undefined => copiedArray(v, copiedDefect, maxItems);
