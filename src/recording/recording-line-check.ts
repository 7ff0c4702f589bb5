import { STEP_NAMES } from '../workflow/task-types.ts';
import type { DispatchLine, EventLine, RecordingLine, ResultLine } from './recording-schema.ts';

/**
 * A hand-written check of the lines a recording holds by the thousand
 * (dispatch, event and result lines), for replay speed: it accepts a parsed
 * line only when RecordingLineSchema would accept it unchanged (same rules:
 * strict members, safe integers, lengths, enums, the sha256 pattern), and
 * says nothing otherwise. The reader then runs the schema, so whatever is odd
 * is rejected with the schema's own message; a line this check accepts is
 * returned as it is (the schema would return an equal copy).
 */
export function checkedLine(data: unknown): RecordingLine | undefined {
  if (!isRecord(data)) return undefined;
  switch (data.kind) {
    case 'dispatch':
      return isDispatch(data) ? (data as DispatchLine) : undefined;
    case 'event':
      return isEvent(data) ? (data as EventLine) : undefined;
    case 'result':
      return isResultLine(data) ? (data as ResultLine) : undefined;
    default:
      return undefined;
  }
}

type Rec = Record<string, unknown>;

const STEPS: ReadonlySet<unknown> = new Set(STEP_NAMES);
const PERSONAS: ReadonlySet<unknown> = new Set(['jordan', 'alex', 'sarah']);
const SEVERITIES: ReadonlySet<unknown> = new Set(['minor', 'major', 'critical']);
const SHA256 = /^[0-9a-f]{64}$/;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every own member is one of `required` or `optional`, and every one of `required` is there. */
function members(o: Rec, required: readonly string[], optional: readonly string[] = []): boolean {
  const keys = Object.keys(o);
  if (keys.length < required.length || keys.length > required.length + optional.length) return false;
  let found = 0;
  for (const k of keys) {
    if (required.includes(k)) found++;
    else if (!optional.includes(k)) return false;
  }
  return found === required.length;
}

// JSON text cannot hold NaN or ±Infinity: every parsed number is finite.
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonNeg = (v: unknown): boolean => num(v) && v >= 0;
const int = (v: unknown): boolean => Number.isSafeInteger(v);
const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const str = (v: unknown, min = 0, max = Infinity): boolean => typeof v === 'string' && v.length >= min && v.length <= max;
const optStr = (v: unknown, max = Infinity): boolean => v === undefined || str(v, 0, max);
const strings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');

const DISPATCH = ['kind', 'seq', 'taskId', 'persona', 'jobId', 'step', 'round', 'request'];
function isDispatch(o: Rec): boolean {
  return (
    members(o, DISPATCH) &&
    count(o.seq) &&
    str(o.taskId, 1, 100) &&
    PERSONAS.has(o.persona) &&
    str(o.jobId, 1) &&
    STEPS.has(o.step) &&
    count(o.round) &&
    typeof o.request === 'string' &&
    SHA256.test(o.request)
  );
}

// A line with an error goes to the schema (rare).
const EVENT = ['kind', 'seq', 'taskId', 'step', 'stepRound', 'type', 'state', 'round'];
function isEvent(o: Rec): boolean {
  return members(o, EVENT) && count(o.seq) && str(o.taskId, 1, 100) && STEPS.has(o.step) && count(o.stepRound) && str(o.type, 1) && str(o.state, 1) && count(o.round);
}

const RESULT_LINE = ['kind', 'seq', 'taskId', 'persona', 'jobId', 'step', 'round', 'result', 'meta'];
function isResultLine(o: Rec): boolean {
  return members(o, RESULT_LINE) && count(o.seq) && str(o.taskId, 1, 100) && PERSONAS.has(o.persona) && str(o.jobId, 1) && STEPS.has(o.step) && count(o.round) && isMeta(o.meta) && isResult(o.result);
}

const META = ['persona', 'listenerId', 'userId', 'pid', 'attemptsMade', 'enqueuedAt', 'startedAt', 'finishedAt'];
function isMeta(v: unknown): boolean {
  return (
    isRecord(v) &&
    members(v, META) &&
    PERSONAS.has(v.persona) &&
    typeof v.listenerId === 'string' &&
    typeof v.userId === 'string' &&
    int(v.pid) &&
    count(v.attemptsMade) &&
    num(v.enqueuedAt) &&
    num(v.startedAt) &&
    num(v.finishedAt)
  );
}

const COMMON = ['step', 'minutes', 'cost'];
const COMMON_OPTIONAL = ['commit', 'actor', 'note'];
const RESULT_MEMBERS: Record<string, { required: string[]; optional: string[] }> = {
  define: { required: [...COMMON, 'requirementQuality', 'requirementCount'], optional: COMMON_OPTIONAL },
  estimate: { required: [...COMMON, 'estimate'], optional: COMMON_OPTIONAL },
  implement: { required: [...COMMON, 'size', 'injected', 'fixed'], optional: COMMON_OPTIONAL },
  fix: { required: [...COMMON, 'size', 'injected', 'fixed'], optional: COMMON_OPTIONAL },
  review: { required: [...COMMON, 'found', 'verdict'], optional: [...COMMON_OPTIONAL, 'reported'] },
  accept: { required: [...COMMON, 'found', 'verdict'], optional: [...COMMON_OPTIONAL, 'reported'] },
};

function isResult(v: unknown): boolean {
  if (!isRecord(v) || typeof v.step !== 'string') return false;
  const shape = Object.hasOwn(RESULT_MEMBERS, v.step) ? RESULT_MEMBERS[v.step] : undefined;
  if (!shape || !members(v, shape.required, shape.optional)) return false;
  if (!nonNeg(v.minutes) || !isCost(v.cost) || !optStr(v.commit) || !optStr(v.actor, 200) || !optStr(v.note, 4000)) return false;
  switch (v.step) {
    case 'define':
      return num(v.requirementQuality) && v.requirementQuality >= 0 && v.requirementQuality <= 1 && count(v.requirementCount);
    case 'estimate':
      return isEstimate(v.estimate);
    case 'implement':
    case 'fix':
      return isSize(v.size) && isDefects(v.injected) && strings(v.fixed);
    case 'review':
      return strings(v.found) && (v.reported === undefined || isDefects(v.reported)) && (v.verdict === 'approved' || v.verdict === 'changes_requested');
    case 'accept':
      return strings(v.found) && (v.reported === undefined || isDefects(v.reported)) && (v.verdict === 'accepted' || v.verdict === 'rejected');
    default:
      return false;
  }
}

function isCost(v: unknown): boolean {
  return isRecord(v) && members(v, ['tokensIn', 'tokensOut', 'usd']) && nonNeg(v.tokensIn) && nonNeg(v.tokensOut) && nonNeg(v.usd);
}

function isSize(v: unknown): boolean {
  return (
    isRecord(v) &&
    members(v, ['added', 'modified', 'deleted', 'addedModified', 'measuredBy']) &&
    count(v.added) &&
    count(v.modified) &&
    count(v.deleted) &&
    count(v.addedModified) &&
    (v.measuredBy === 'git' || v.measuredBy === 'model')
  );
}

const DEFECT = ['id', 'type', 'typeCode', 'severity', 'phaseInjected', 'fixMinutes'];
const DEFECT_OPTIONAL = ['location', 'description'];
function isDefects(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.every(
      (d) =>
        isRecord(d) &&
        members(d, DEFECT, DEFECT_OPTIONAL) &&
        str(d.id, 1, 200) &&
        str(d.type, 1, 40) &&
        int(d.typeCode) &&
        (d.typeCode as number) >= 10 &&
        (d.typeCode as number) <= 100 &&
        SEVERITIES.has(d.severity) &&
        str(d.phaseInjected, 1, 40) &&
        nonNeg(d.fixMinutes) &&
        optStr(d.location, 500) &&
        optStr(d.description, 2000),
    )
  );
}

/** Loose objects (the estimate's detail passes through): only the members the schema names are checked. */
function isEstimate(v: unknown): boolean {
  return isRecord(v) && num(v.proxySize) && isProjection(v.size) && isProjection(v.time);
}

function isProjection(v: unknown): boolean {
  return isRecord(v) && typeof v.method === 'string' && num(v.projected) && num(v.beta0) && num(v.beta1);
}
