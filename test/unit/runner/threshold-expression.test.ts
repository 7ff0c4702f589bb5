import { describe, expect, it } from 'vitest';
import { AspError } from '../../../src/errors.ts';
import { METRICS, type RunMetrics } from '../../../src/runner/run-metrics.ts';
import { evaluateThreshold, parseMetricRef, parseThreshold } from '../../../src/runner/threshold-expression.ts';

function error(text: string): AspError {
  try {
    parseThreshold(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AspError);
    return err as AspError;
  }
  throw new Error(`"${text}" parsed`);
}

const metrics: RunMetrics = {
  values: { 'tasks.failed': 0, 'tasks.done': 9, 'estimate.in_interval70': 0.6, escaped_defects: 2, review_yield: null },
  trends: { review_rounds: [1, 1, 2, 2, 3, 1, 1, 2, 4, 1], cycle_hours: [] },
};

describe('parseThreshold', () => {
  it.each([
    ['review_rounds.p95 <= 2', { metric: 'review_rounds', aggregate: { kind: 'p', percentile: 95 }, comparator: '<=', value: 2 }],
    ['estimate.in_interval70 >= 0.6', { metric: 'estimate.in_interval70', comparator: '>=', value: 0.6 }],
    ['escaped_defects == 0', { metric: 'escaped_defects', comparator: '==', value: 0 }],
    ['tasks.failed==0', { metric: 'tasks.failed', comparator: '==', value: 0 }],
    ['  review_rounds.p(99.9)<3.5  ', { metric: 'review_rounds', aggregate: { kind: 'p', percentile: 99.9 }, comparator: '<', value: 3.5 }],
    ['review_rounds.avg != -1e-3', { metric: 'review_rounds', aggregate: { kind: 'avg' }, comparator: '!=', value: -0.001 }],
    ['task_minutes.med > 60', { metric: 'task_minutes', aggregate: { kind: 'med' }, comparator: '>', value: 60 }],
  ])('parses %s', (text, expected) => {
    expect(parseThreshold(text)).toEqual({ source: text, ...expected });
  });

  it.each([
    ['tasks.failed = 0', /expected a comparator .* found "=" \(column 14\)/],
    ['review_rounds <= 2', /"review_rounds" is a per-task distribution; add an aggregate/],
    ['tasks.failed.avg == 0', /"tasks.failed" is a single number; it takes no aggregate \("avg"\) \(column 14\)/],
    ['review_round.p95 <= 2', /unknown metric "review_round.p95"/],
    ['estimate.in_interval75 >= 1', /unknown metric "estimate.in_interval75"; did you mean estimate.in_interval70, /],
    ['review_rounds.p95 <=', /expected a number, found the end/],
    ['review_rounds.p95 <= two', /expected a number, found "two"/],
    ['tasks.done == 3 && tasks.failed == 0', /unexpected "&& tasks.failed == 0" after the number/],
    ['review_rounds.x9 < 2', /unknown aggregate "x9"/],
    ['review_rounds.p(101) < 2', /percentile 101 is outside 0..100/],
    ['review_rounds.p(95 < 2', /expected "\)" after the percentile/],
    ['', /expected a metric name, found the end/],
    ['<= 2', /expected a name, found "<"/],
  ])('rejects %j with a clear message (exit 2)', (text, message) => {
    const err = error(text);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`invalid threshold "${text}"`);
  });

  it('points a caret at the problem', () => {
    expect(error('tasks.failed = 0').message.split('\n').slice(1)).toEqual(['    tasks.failed = 0', '                 ^']);
  });

  it('parses every documented metric (with an aggregate for trends)', () => {
    for (const m of METRICS) expect(parseMetricRef(m.kind === 'trend' ? `${m.name}.p90` : m.name).metric).toBe(m.name);
  });
});

describe('evaluateThreshold', () => {
  const check = (text: string) => evaluateThreshold(parseThreshold(text), metrics);

  it('compares values and trend aggregates', () => {
    expect(check('tasks.failed == 0')).toEqual({ expression: 'tasks.failed == 0', pass: true, actual: 0 });
    expect(check('estimate.in_interval70 >= 0.6').pass).toBe(true);
    expect(check('escaped_defects == 0')).toMatchObject({ pass: false, actual: 2 });
    expect(check('review_rounds.max <= 3')).toMatchObject({ pass: false, actual: 4 });
    expect(check('review_rounds.avg < 2')).toMatchObject({ pass: true, actual: 1.8 });
    expect(check('review_rounds.med == 1.5')).toMatchObject({ pass: true });
    expect(check('review_rounds.count == 10').pass).toBe(true);
    expect(check('review_rounds.sum == 18').pass).toBe(true);
    expect(check('review_rounds.min > 0').pass).toBe(true);
  });

  it('uses percentiles interpolated between ranks', () => {
    // sorted: 1 1 1 1 1 2 2 2 3 4 → p90 at rank 8.1 = 3 + 0.1 × (4 − 3)
    expect(check('review_rounds.p90 <= 3.1').actual).toBeCloseTo(3.1, 10);
    expect(check('review_rounds.p(50) == 1.5').pass).toBe(true);
    expect(check('review_rounds.p100 == 4').pass).toBe(true);
  });

  it('fails with no data rather than passing vacuously', () => {
    expect(check('review_yield >= 0.5')).toMatchObject({ pass: false, actual: null });
    expect(check('cycle_hours.max < 100')).toMatchObject({ pass: false, actual: null });
    expect(check('cycle_hours.count == 0')).toMatchObject({ pass: true, actual: 0 });
  });
});
