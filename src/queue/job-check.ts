import type { StepRequest } from '../workflow/task-types.ts';
import { StepJobSchema, type StepJob } from './job-schema.ts';
import { copiedArray, copiedDefects, copiedStrings, count, int, isRecord, nonNeg, num, onlyKeys, PERSONAS, positive, str, type Rec } from './wire-check.ts';

/**
 * A hand-written check of a step job, for speed (every step's job is checked
 * by its listener, or by the inline transport): it returns a copy of the job
 * when StepJobSchema would accept it, equal to what the schema's parse
 * returns, and undefined otherwise; the caller then runs the schema, for its
 * exact message. A command agent's job (with `agent` or `brief`, rare) is
 * left to the schema. test/unit/queue/wire-check.test.ts holds it to that.
 *
 * The job's `model` (the persona's scenario settings, the same in every job
 * of the persona in a run) goes through the schema itself, once: see
 * parsedModel. The copy shares that parsed model between jobs.
 */
export function checkedStepJob(value: unknown): StepJob | undefined {
  if (!isRecord(value) || !onlyKeys(value, JOB_KEYS) || value.agent !== undefined || value.brief !== undefined) return undefined;
  const { runId, seed, persona, pacingMs } = value;
  if (value.v !== 1 || !str(runId, 1, 100) || !(int(seed) || typeof seed === 'string') || !PERSONAS.has(persona)) return undefined;
  if (pacingMs !== undefined && !(count(pacingMs) && pacingMs <= 600_000)) return undefined;
  const ws = value.workspace;
  if (!isRecord(ws) || !onlyKeys(ws, WORKSPACE_KEYS) || (ws.mode !== 'git' && ws.mode !== 'none') || !str(ws.dir, 0, 500)) return undefined;
  const request = copiedRequest(value.request);
  const model = request && parsedModel(value.model);
  if (!model) return undefined;
  const job: StepJob = { v: 1, runId, seed, persona: persona as StepJob['persona'], workspace: { mode: ws.mode, dir: ws.dir }, model, request: request as StepJob['request'] };
  if (pacingMs !== undefined) job.pacingMs = pacingMs;
  return job;
}

const JOB_KEYS: ReadonlySet<string> = new Set(['v', 'runId', 'seed', 'persona', 'workspace', 'model', 'request', 'pacingMs', 'agent', 'brief']);
const WORKSPACE_KEYS: ReadonlySet<string> = new Set(['mode', 'dir']);

const BASE = ['step', 'taskId', 'round'];
const REQUEST_KEYS: Record<string, ReadonlySet<string>> = {
  define: new Set([...BASE, 'title', 'requirements']),
  estimate: new Set([...BASE, 'proxySize', 'history']),
  implement: new Set([...BASE, 'proxySize', 'requirementQuality', 'toFix']),
  fix: new Set([...BASE, 'proxySize', 'requirementQuality', 'toFix']),
  review: new Set([...BASE, 'latent', 'size']),
  accept: new Set([...BASE, 'latent']),
};
const HISTORY_KEYS: ReadonlySet<string> = new Set(['proxySize', 'planSize', 'actualSize', 'actualMinutes']);

/** StepRequestSchema: the members every request has, then the step's own. */
function copiedRequest(r: unknown): StepRequest | undefined {
  if (!isRecord(r) || typeof r.step !== 'string' || !Object.hasOwn(REQUEST_KEYS, r.step)) return undefined;
  const { step, taskId, round } = r;
  if (!onlyKeys(r, REQUEST_KEYS[step]!) || !str(taskId, 1, 100) || !count(round) || round > 1000) return undefined;
  const out: Rec = { step, taskId, round };
  switch (step) {
    case 'define':
      if (!str(r.title, 0, 1000)) return undefined;
      out.title = r.title;
      out.requirements = copiedStrings(r.requirements, 4000, 500);
      if (!out.requirements) return undefined;
      break;
    case 'estimate':
      if (!positive(r.proxySize)) return undefined;
      out.proxySize = r.proxySize;
      out.history = copiedArray(r.history, copiedHistoryPoint, 100_000);
      if (!out.history) return undefined;
      break;
    case 'implement':
    case 'fix':
      if (!positive(r.proxySize) || !num(r.requirementQuality) || r.requirementQuality < 0 || r.requirementQuality > 1) return undefined;
      out.proxySize = r.proxySize;
      out.requirementQuality = r.requirementQuality;
      out.toFix = copiedDefects(r.toFix, 10_000);
      if (!out.toFix) return undefined;
      break;
    case 'review':
      if (!nonNeg(r.size)) return undefined;
      out.latent = copiedDefects(r.latent, 10_000);
      out.size = r.size;
      if (!out.latent) return undefined;
      break;
    default:
      // accept
      out.latent = copiedDefects(r.latent, 10_000);
      if (!out.latent) return undefined;
  }
  return out as unknown as StepRequest;
}

function copiedHistoryPoint(p: unknown): Rec | undefined {
  if (!isRecord(p) || !onlyKeys(p, HISTORY_KEYS) || !positive(p.proxySize) || !positive(p.actualSize) || !positive(p.actualMinutes)) return undefined;
  if (p.planSize === undefined) return { proxySize: p.proxySize, actualSize: p.actualSize, actualMinutes: p.actualMinutes };
  if (!positive(p.planSize)) return undefined;
  return { proxySize: p.proxySize, planSize: p.planSize, actualSize: p.actualSize, actualMinutes: p.actualMinutes };
}

type Model = StepJob['model'];
const ModelSchema = StepJobSchema.shape.model;
/** Models seen lately (a listener sees one persona's, a process running several runs a few per run), newest first. */
const MODEL_CACHE_SIZE = 64;
const models: { seen: unknown; parsed: Model }[] = [];

/**
 * The job's model as the schema parses it (with its defaults). The schema
 * runs once per distinct model: on a plain-JSON copy of it (`seen`), and a
 * later model that is the same plain data, member for member, gets the
 * same parse. Compared by value, not by JSON text or identity: a listener
 * gets a new object with every job, and comparing the members is cheaper
 * than writing them out. Anything not plain data (an inherited, hidden or
 * symbol member, a class instance) never compares equal to `seen` and goes
 * to the schema with the rest of the job.
 */
function parsedModel(m: unknown): Model | undefined {
  for (const entry of models) if (samePlainData(m, entry.seen)) return entry.parsed;
  let seen: unknown;
  try {
    seen = JSON.parse(JSON.stringify(m)) as unknown;
  } catch {
    return undefined;
  }
  const result = ModelSchema.safeParse(seen);
  if (!result.success) return undefined;
  // Frozen: every job shares it, a write to it would change the jobs to come.
  const parsed = deepFreeze(result.data);
  if (models.length >= MODEL_CACHE_SIZE) models.pop();
  models.unshift({ seen, parsed });
  return samePlainData(m, seen) ? parsed : undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** `x` is the same data as `json` (parsed from JSON text): same members, same values (Object.is), plain objects and arrays only. */
function samePlainData(x: unknown, json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return Object.is(x, json);
  if (typeof x !== 'object' || x === null) return false;
  if (Array.isArray(json)) {
    if (!Array.isArray(x) || x.length !== json.length || Object.getPrototypeOf(x) !== Array.prototype) return false;
    for (let i = 0; i < json.length; i++) if (!samePlainData(x[i], json[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(x) !== Object.prototype) return false;
  const o = x as Rec;
  const j = json as Rec;
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(j, k) || !samePlainData(o[k], j[k])) return false;
    n++;
  }
  // No member the loop cannot see (hidden or symbol), and no more than `json` has.
  return n === Reflect.ownKeys(o).length && n === Object.keys(j).length;
}
