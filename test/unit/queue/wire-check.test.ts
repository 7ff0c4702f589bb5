import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedStepEnvelope } from '../../../src/queue/envelope-check.ts';
import { checkedStepJob } from '../../../src/queue/job-check.ts';
import { StepEnvelopeSchema, StepJobSchema } from '../../../src/queue/job-schema.ts';
import { inlineRun, SMALL_SCENARIO } from '../../support/inline-run.ts';

// Jobs and envelopes of a real run are edited freely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const copy = (v: Json): Json => JSON.parse(JSON.stringify(v)) as Json;

let dir: string;
const jobs: Json[] = [];
const envelopes: Json[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asp-wire-check-'));
  // As they travel: through JSON text.
  await inlineRun(SMALL_SCENARIO, dir, {
    observers: [{ jobDispatched: ({ job }) => void jobs.push(copy(job)), resultReceived: ({ envelope }) => void envelopes.push(copy(envelope)) }],
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wires = {
  job: { check: checkedStepJob, schema: StepJobSchema },
  envelope: { check: checkedStepEnvelope, schema: StepEnvelopeSchema },
} as const;
type Wire = keyof typeof wires;

/** The check never accepts what the schema rejects, and what it accepts is what the schema returns (a copy). */
function agrees(wire: Wire, value: unknown): 'accepted' | 'left to the schema' {
  const { check, schema } = wires[wire];
  const checked = check(value);
  if (checked === undefined) return 'left to the schema';
  const parsed = schema.safeParse(value);
  expect(parsed.success, `the ${wire} check accepted what the schema rejects: ${JSON.stringify(value)?.slice(0, 400)}`).toBe(true);
  expect(checked).toEqual(parsed.data);
  expect(checked).not.toBe(value);
  return 'accepted';
}

/** Every path to a member (objects and arrays) of `value`. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...at, i], ...paths(v, [...at, i])]);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [[...at, k], ...paths(v, [...at, k])]);
  return [];
}

const DELETE = Symbol('delete');
/** A structured copy (keeps NaN, Infinity, -0 and undefined, unlike JSON) of `value` with one member changed. */
function setAt(value: Json, path: (string | number)[], member: unknown): Json {
  const out = structuredClone(value);
  let o = out;
  for (const k of path.slice(0, -1)) o = o[k];
  const last = path.at(-1)!;
  if (member === DELETE) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = member;
  return out;
}

/** One sample of each step (and of each optional member the run does not make), as the wire has them. */
function samples(): Array<[Wire, Json]> {
  const out: Array<[Wire, Json]> = [];
  const first = <T extends Json>(values: T[], step: (v: T) => string) => [...new Map(values.map((v) => [step(v), v] as const).reverse()).values()];
  for (const job of first(jobs, (j) => j.request.step)) out.push(['job', job]);
  for (const env of first(envelopes, (e) => e.result.step)) out.push(['envelope', env]);
  const paced = copy(out[0]![1]);
  paced.pacingMs = 250;
  paced.seed = 'a-seed';
  out.push(['job', paced]);
  const estimate = copy(jobs.find((j) => j.request.step === 'estimate')!);
  delete estimate.request.history[0].planSize;
  out.push(['job', estimate]);
  const review = copy(envelopes.find((e) => e.result.step === 'review')!);
  Object.assign(review.result, {
    commit: 'abc123',
    actor: 'command:rev@1',
    note: 'looked',
    reported: [{ id: 'r1', type: 'logic', typeCode: 80, severity: 'major', phaseInjected: 'code', fixMinutes: 3, location: 'a.ts:1', description: 'off by one' }],
  });
  out.push(['envelope', review]);
  return out;
}

describe('hand-written checks of the step job and result envelope', () => {
  it('accepts every job and envelope of a real run, of every step, as the schemas return them', () => {
    expect(new Set(jobs.map((j) => j.request.step))).toEqual(new Set(['define', 'estimate', 'implement', 'review', 'accept', 'fix']));
    expect(new Set(envelopes.map((e) => e.result.step))).toEqual(new Set(['define', 'estimate', 'implement', 'review', 'accept', 'fix']));
    for (const job of jobs) expect(agrees('job', job)).toBe('accepted');
    for (const env of envelopes) expect(agrees('envelope', env)).toBe('accepted');
    for (const [wire, value] of samples()) expect(agrees(wire, value)).toBe('accepted');
  });

  it('returns a copy: nothing of the checked value is shared but the parsed (frozen) model', () => {
    const job = copy(jobs.find((j) => j.request.step === 'fix')!);
    const checked = checkedStepJob(job)!;
    job.request.toFix[0].id = 'changed';
    job.workspace.dir = 'changed';
    expect(checked.request.step === 'fix' && checked.request.toFix[0]!.id).not.toBe('changed');
    expect(checked.workspace.dir).not.toBe('changed');
    expect(Object.isFrozen(checked.model)).toBe(true);
    const env = copy(envelopes.find((e) => e.result.step === 'implement')!);
    const result = checkedStepEnvelope(env)!.result;
    env.result.size.added = -1;
    expect(result.step === 'implement' && result.size.added).toBeGreaterThanOrEqual(0);
  });

  it('never accepts what the schema rejects: every member removed, retyped, stretched or added', () => {
    const odd: unknown[] = [
      DELETE,
      undefined,
      null,
      -1,
      -0,
      0,
      1.5,
      0.5,
      2,
      10,
      101,
      1001,
      600_001,
      2 ** 60,
      NaN,
      Infinity,
      -Infinity,
      '',
      'x',
      'x'.repeat(41),
      'x'.repeat(101),
      'x'.repeat(201),
      'x'.repeat(501),
      'x'.repeat(1001),
      'x'.repeat(2001),
      'x'.repeat(4001),
      [],
      {},
      [{}],
      ['x'],
      true,
      'define',
      'estimate',
      'fix',
      'review',
      'accept',
      'git',
      'model',
      'minor',
      'jordan',
      'approved',
      'accepted',
    ];
    let rejected = 0;
    let mutations = 0;
    let accepted = 0;
    const tried = (wire: Wire, value: unknown) => {
      mutations++;
      if (agrees(wire, value) === 'accepted') accepted++;
      if (!wires[wire].schema.safeParse(value).success) rejected++;
    };
    for (const [wire, value] of samples()) {
      for (const path of paths(value)) {
        for (const member of odd) tried(wire, setAt(value, path, member));
        const at = path.reduce((o, k) => o[k], value as Json);
        if (at && typeof at === 'object' && !Array.isArray(at)) {
          tried(wire, setAt(value, [...path, 'surplus'], 1));
          tried(wire, setAt(value, path, Object.assign(Object.create({ surplus: 1 }), at)));
          tried(wire, setAt(value, path, Object.assign(Object.create(null), at)));
        }
        // Arrays over their limits (requirements 500, defects 10,000, history 100,000).
        if (Array.isArray(at) && at.length > 0)
          for (const n of [501, 10_001])
            tried(
              wire,
              setAt(
                value,
                path,
                Array.from({ length: n }, () => at[0]),
              ),
            );
      }
      tried(wire, { ...value, surplus: 1 });
      tried(wire, Object.assign(Object.create({ surplus: 1 }), value));
    }
    const estimate = samples().find(([w, v]) => w === 'job' && v.request.step === 'estimate')![1];
    tried(
      'job',
      setAt(
        estimate,
        ['request', 'history'],
        Array.from({ length: 100_001 }, () => estimate.request.history[0]),
      ),
    );
    // The mutations do reach values the schema rejects (the check was put to the test), and most valid ones are accepted.
    expect(rejected).toBeGreaterThan(mutations / 2);
    expect(accepted).toBeGreaterThan((mutations - rejected) * 0.8);
  });

  it('checks the model by value: a changed model is parsed again, a hidden member goes to the schema', () => {
    const job = copy(jobs.find((j) => j.persona === 'alex')!);
    expect(agrees('job', job)).toBe('accepted');
    const faster = copy(job);
    faster.model.alex.productivity = 99;
    expect(checkedStepJob(faster)?.model.alex?.productivity).toBe(99);
    const bad = copy(job);
    bad.model.alex.productivity = -1;
    expect(agrees('job', bad)).toBe('left to the schema');
    const hidden = copy(job);
    Object.defineProperty(hidden.model.alex, 'surplus', { value: 1, enumerable: false });
    expect(checkedStepJob(hidden)).toBeUndefined();
    const withAgent = copy(job);
    withAgent.agent = { command: ['node', 'agent.js'] };
    expect(checkedStepJob(withAgent)).toBeUndefined();
  });
});
