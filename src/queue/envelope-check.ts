import type { StepResult } from '../workflow/task-types.ts';
import type { ResultMetaWire, StepEnvelope } from './job-schema.ts';
import { copiedDefects, copiedStrings, count, int, isRecord, nonNeg, num, onlyKeys, optStr, PERSONAS, type Rec } from './wire-check.ts';

/**
 * A hand-written check of a step's result envelope, for speed (every step's
 * result is checked once by the runner): it returns a copy of the envelope
 * when StepEnvelopeSchema would accept it, equal to what the schema's parse
 * returns, and undefined otherwise; the caller then runs the schema, for its
 * exact message. test/unit/queue/wire-check.test.ts holds it to that.
 */
export function checkedStepEnvelope(value: unknown): StepEnvelope | undefined {
  if (!isRecord(value) || !onlyKeys(value, ENVELOPE_KEYS)) return undefined;
  const meta = copiedMeta(value.meta);
  if (!meta) return undefined;
  const result = copiedResult(value.result);
  return result && { result, meta };
}

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['result', 'meta']);
const META_KEYS: ReadonlySet<string> = new Set(['persona', 'listenerId', 'userId', 'pid', 'attemptsMade', 'enqueuedAt', 'startedAt', 'finishedAt']);

function copiedMeta(m: unknown): ResultMetaWire | undefined {
  if (
    !isRecord(m) ||
    !onlyKeys(m, META_KEYS) ||
    !PERSONAS.has(m.persona) ||
    typeof m.listenerId !== 'string' ||
    typeof m.userId !== 'string' ||
    !int(m.pid) ||
    !count(m.attemptsMade) ||
    !num(m.enqueuedAt) ||
    !num(m.startedAt) ||
    !num(m.finishedAt)
  ) {
    return undefined;
  }
  const { persona, listenerId, userId, pid, attemptsMade, enqueuedAt, startedAt, finishedAt } = m;
  return { persona: persona as ResultMetaWire['persona'], listenerId, userId, pid, attemptsMade, enqueuedAt, startedAt, finishedAt };
}

const COMMON = ['step', 'minutes', 'cost', 'commit', 'actor', 'note'];
const RESULT_KEYS: Record<string, ReadonlySet<string>> = {
  define: new Set([...COMMON, 'requirementQuality', 'requirementCount']),
  estimate: new Set([...COMMON, 'estimate']),
  implement: new Set([...COMMON, 'size', 'injected', 'fixed']),
  fix: new Set([...COMMON, 'size', 'injected', 'fixed']),
  review: new Set([...COMMON, 'found', 'reported', 'verdict']),
  accept: new Set([...COMMON, 'found', 'reported', 'verdict']),
};
const VERDICTS: Record<string, ReadonlySet<unknown>> = { review: new Set(['approved', 'changes_requested']), accept: new Set(['accepted', 'rejected']) };
const COST_KEYS: ReadonlySet<string> = new Set(['tokensIn', 'tokensOut', 'usd']);
const SIZE_KEYS: ReadonlySet<string> = new Set(['added', 'modified', 'deleted', 'addedModified', 'measuredBy']);

/** StepResultSchema: the members every step has, then the step's own. */
function copiedResult(r: unknown): StepResult | undefined {
  if (!isRecord(r) || typeof r.step !== 'string' || !Object.hasOwn(RESULT_KEYS, r.step)) return undefined;
  const step = r.step;
  if (!onlyKeys(r, RESULT_KEYS[step]!) || !nonNeg(r.minutes) || !optStr(r.commit) || !optStr(r.actor, 200) || !optStr(r.note, 4000)) return undefined;
  const c = r.cost;
  if (!isRecord(c) || !onlyKeys(c, COST_KEYS) || !nonNeg(c.tokensIn) || !nonNeg(c.tokensOut) || !nonNeg(c.usd)) return undefined;
  const out = { step, minutes: r.minutes, cost: { tokensIn: c.tokensIn, tokensOut: c.tokensOut, usd: c.usd } } as Rec;
  if (r.commit !== undefined) out.commit = r.commit;
  if (r.actor !== undefined) out.actor = r.actor;
  if (r.note !== undefined) out.note = r.note;
  switch (step) {
    case 'define':
      if (!num(r.requirementQuality) || r.requirementQuality < 0 || r.requirementQuality > 1 || !count(r.requirementCount)) return undefined;
      out.requirementQuality = r.requirementQuality;
      out.requirementCount = r.requirementCount;
      break;
    case 'estimate':
      out.estimate = copiedEstimate(r.estimate);
      if (!out.estimate) return undefined;
      break;
    case 'implement':
    case 'fix':
      out.size = copiedSize(r.size);
      out.injected = copiedDefects(r.injected);
      out.fixed = copiedStrings(r.fixed);
      if (!out.size || !out.injected || !out.fixed) return undefined;
      break;
    default: {
      // review, accept
      out.found = copiedStrings(r.found);
      if (!out.found || !VERDICTS[step]!.has(r.verdict)) return undefined;
      out.verdict = r.verdict;
      if (r.reported !== undefined) {
        out.reported = copiedDefects(r.reported);
        if (!out.reported) return undefined;
      }
    }
  }
  return out as unknown as StepResult;
}

function copiedSize(s: unknown): Rec | undefined {
  if (!isRecord(s) || !onlyKeys(s, SIZE_KEYS) || !count(s.added) || !count(s.modified) || !count(s.deleted) || !count(s.addedModified)) return undefined;
  if (s.measuredBy !== 'git' && s.measuredBy !== 'model') return undefined;
  return { added: s.added, modified: s.modified, deleted: s.deleted, addedModified: s.addedModified, measuredBy: s.measuredBy };
}

/** Loose objects (the estimate's detail passes through): only the members the schema names are checked. */
function copiedEstimate(e: unknown): Rec | undefined {
  if (!isRecord(e) || !num(e.proxySize)) return undefined;
  const size = copiedProjection(e.size);
  const time = size && copiedProjection(e.time);
  if (!time) return undefined;
  const out = looseCopy(e);
  out.size = size;
  out.time = time;
  return out;
}

function copiedProjection(p: unknown): Rec | undefined {
  if (!isRecord(p) || typeof p.method !== 'string' || !num(p.projected) || !num(p.beta0) || !num(p.beta1)) return undefined;
  return looseCopy(p);
}

/** As zod copies a loose object: every enumerable member (`for…in`), by reference, but `__proto__`. */
function looseCopy(o: Rec): Rec {
  const out: Rec = {};
  for (const k in o) if (k !== '__proto__') out[k] = o[k];
  return out;
}
