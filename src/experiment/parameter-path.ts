import type { z } from 'zod';
import { ScenarioSchema } from '../scenario/scenario-schema.ts';

/**
 * A path into a scenario, as an experiment's `vary:` names it:
 * `personas.sarah.reviewYield`, `workflow.maxReviewRounds`,
 * `cycles[1].generate.count`, and `<list>.length` (keep the first n
 * entries of a list: `history.points.length` varies the history size).
 */
export type PathSegment = string | number;

export interface ParameterPath {
  text: string;
  segments: PathSegment[];
  /** `<list>.length`: the value is how many entries of the list to keep. */
  truncate: boolean;
}

const SEGMENT = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/;

/** Parses `a.b[2].c`; returns a message instead when the text is not a path. */
export function parsePath(text: string): ParameterPath | string {
  const segments: PathSegment[] = [];
  for (const part of text.split('.')) {
    const m = SEGMENT.exec(part);
    if (!m) return `"${text}" is not a parameter path; write fields with dots and list entries with [n], e.g. personas.sarah.reviewYield or cycles[1].generate.count`;
    segments.push(m[1]!);
    for (const index of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  const truncate = segments[segments.length - 1] === 'length';
  return { text, segments: truncate ? segments.slice(0, -1) : segments, truncate };
}

type AnySchema = z.ZodType & { def: { type: string; [key: string]: unknown } };

/** Looks through defaults, optionals and pipes to the schema that holds the value. */
function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const def = s.def;
    if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) s = def.innerType as AnySchema;
    else if (def.type === 'pipe') s = def.in as AnySchema;
    else return s;
  }
}

/**
 * Checks that a path names a field of the scenario format (and, for list
 * entries, an entry the base scenario has). Returns a message, or undefined.
 */
export function checkPathInSchema(path: ParameterPath, baseInput: unknown): string | undefined {
  let schema = unwrap(ScenarioSchema as unknown as AnySchema);
  let value: unknown = baseInput;
  const walked: string[] = [];
  for (const segment of path.segments) {
    const where = walked.length ? walked.join('') : 'the scenario';
    if (typeof segment === 'number') {
      if (schema.def.type !== 'array') return `${where} is not a list; "[${segment}]" does not apply`;
      schema = unwrap(schema.def.element as AnySchema);
      const list = Array.isArray(value) ? value : [];
      if (segment >= list.length) return `${where} has ${list.length} entr${list.length === 1 ? 'y' : 'ies'} in the base scenario; [${segment}] does not exist`;
      value = list[segment];
      walked.push(`[${segment}]`);
      continue;
    }
    if (schema.def.type !== 'object') return `${where} has no fields; "${segment}" does not apply`;
    const shape = schema.def.shape as Record<string, AnySchema>;
    const field = shape[segment];
    if (!field) return `${where} has no field "${segment}"; fields: ${Object.keys(shape).join(', ')}`;
    schema = unwrap(field);
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
    walked.push(walked.length ? `.${segment}` : segment);
  }
  if (path.truncate && schema.def.type !== 'array') return `"${path.segments.join('.')}" is not a list; ".length" applies to lists only`;
  return undefined;
}

/**
 * Returns a copy of the scenario input with the value at `path` replaced
 * (objects on the way are created; the input is not changed).
 */
export function setPath(input: unknown, path: ParameterPath, value: unknown): unknown {
  const apply = (node: unknown, depth: number): unknown => {
    if (depth === path.segments.length) return path.truncate ? (Array.isArray(node) ? node.slice(0, Number(value)) : node) : value;
    const segment = path.segments[depth]!;
    if (typeof segment === 'number') {
      const list = Array.isArray(node) ? [...(node as unknown[])] : [];
      list[segment] = apply(list[segment], depth + 1);
      return list;
    }
    const obj = node && typeof node === 'object' && !Array.isArray(node) ? { ...(node as Record<string, unknown>) } : {};
    obj[segment] = apply(obj[segment], depth + 1);
    return obj;
  };
  return apply(input, 0);
}
