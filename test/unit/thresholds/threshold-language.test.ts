import { describe, expect, it } from 'vitest';
import { AspError } from '../../../src/errors.ts';
import { parseExpectation } from '../../../src/experiment/experiment-expectations.ts';
import { loadMetricCatalogue } from '../../../src/runner/load-metric-names.ts';
import { METRICS, readRunMetric, runMetricCatalogue, type RunMetrics } from '../../../src/runner/run-metrics.ts';
import { aggregate } from '../../../src/thresholds/aggregate.ts';
import { percentile, percentileOf } from '../../../src/thresholds/percentile.ts';
import { compare, evaluateThreshold } from '../../../src/thresholds/threshold-evaluator.ts';
import { parseMetricRef, parseThreshold } from '../../../src/thresholds/threshold-parser.ts';

const parse = (text: string) => parseThreshold(text, runMetricCatalogue);

function error(text: string): AspError {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AspError);
    return err as AspError;
  }
  throw new Error(`"${text}" parsed`);
}

const metrics: RunMetrics = {
  values: { 'tasks.failed': 0, 'tasks.done': 9, 'tasks.failed_rate': 0.04, 'estimate.in_interval70': 0.6, escaped_defects: 2, review_yield: null, 'sim.hours': 30 },
  trends: { review_rounds: [1, 1, 2, 2, 3, 1, 1, 2, 4, 1], cycle_hours: [], task_minutes: [90, 30, 60] },
};

describe('percentile: one definition, linear interpolation between closest ranks', () => {
  it('gives known values on small inputs', () => {
    expect(percentile([10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 90)).toBeCloseTo(3.7, 12);
    expect(percentile([1, 2, 3, 4], 25)).toBeCloseTo(1.75, 12);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    expect(percentile([15, 20, 35, 40, 50], 40)).toBeCloseTo(29, 12);
    expect(percentile([], 50)).toBeNull();
    expect(percentileOf([3, 1, 2], 50)).toBe(2);
  });

  it('is what every aggregate of a trend uses (med is p50)', () => {
    const xs = [4, 1, 3, 2];
    expect(aggregate(xs, { kind: 'p', percentile: 50 })).toBe(2.5);
    expect(aggregate(xs, parseMetricRef('review_rounds.med', runMetricCatalogue).aggregate!)).toBe(2.5);
    expect(aggregate(xs, { kind: 'avg' })).toBe(2.5);
    expect(aggregate(xs, { kind: 'sum' })).toBe(10);
    expect(aggregate([], { kind: 'count' })).toBe(0);
    expect(aggregate([], { kind: 'max' })).toBeNull();
  });
});

describe('parseThreshold (run metrics)', () => {
  it.each([
    ['review_rounds.p95 <= 2', { metric: 'review_rounds', name: 'review_rounds.p95', aggregate: { kind: 'p', percentile: 95 }, comparator: '<=', value: 2 }],
    ['estimate.in_interval70 >= 0.6', { metric: 'estimate.in_interval70', comparator: '>=', value: 0.6 }],
    ['escaped_defects == 0', { metric: 'escaped_defects', comparator: '==', value: 0 }],
    ['tasks.failed==0', { metric: 'tasks.failed', comparator: '==', value: 0 }],
    ['  review_rounds.p(99.9)<3.5  ', { source: 'review_rounds.p(99.9)<3.5', name: 'review_rounds.p(99.9)', aggregate: { kind: 'p', percentile: 99.9 }, comparator: '<', value: 3.5 }],
    ['review_rounds.avg != -1e-3', { aggregate: { kind: 'avg' }, comparator: '!=', value: -0.001 }],
    ['review_rounds.mean < 2', { name: 'review_rounds.avg', aggregate: { kind: 'avg' } }],
    ['task_minutes.med > 60', { name: 'task_minutes.p50', aggregate: { kind: 'p', percentile: 50 }, comparator: '>', value: 60 }],
    ['task_minutes.p90 < 8h', { unit: { kind: 'duration', base: 'min' }, value: 480 }],
    ['sim.hours <= 90min', { unit: { kind: 'duration', base: 'h' }, value: 1.5 }],
    ['tasks.failed_rate < 5%', { unit: { kind: 'ratio' }, value: 0.05 }],
  ])('parses %s', (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });

  it.each([
    ['tasks.failed = 0', /expected a comparator .* found "=" \(column 14\)/],
    ['review_rounds <= 2', /"review_rounds" has many samples \(review rounds per task\); add an aggregate: avg \(or mean\)/],
    ['tasks.failed.avg == 0', /"tasks.failed" is a single number; it takes no aggregate \("avg"\) \(column 14\)/],
    ['review_round.p95 <= 2', /unknown metric "review_round.p95"/],
    ['estimate.in_interval75 >= 1', /unknown metric "estimate.in_interval75"; did you mean estimate.in_interval70, /],
    ['review_rounds.p95 <=', /expected a number, found the end/],
    ['review_rounds.p95 <= two', /expected a number, found "two"/],
    ['review_rounds.p95 <= 2 rounds', /"rounds" is not a unit of review_rounds.p95 \(a count, which takes no unit\) \(column 24\)/],
    ['tasks.done == 3 && tasks.failed == 0', /unexpected "&& tasks.failed == 0" after the number/],
    ['review_rounds.x9 < 2', /unknown aggregate "x9"/],
    ['review_rounds.p(101) < 2', /percentile 101 is outside 0..100/],
    ['review_rounds.p(95 < 2', /expected "\)" after the percentile/],
    ['task_minutes.p90 < 8GB', /"GB" is not a unit of task_minutes.p90 \(a duration: .*; a bare number is in min\)/],
    ['cost.usd < 5$', /unexpected "\$" after the number/],
    ['', /expected a metric name, found the end/],
    ['<= 2', /expected a metric name, found "<"/],
  ])('rejects %j with a clear message (exit 2)', (text, message) => {
    const err = error(text);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`invalid threshold "${text.trim()}"`);
    expect(err.hint).toMatch(/^write <metric>\[\.<aggregate>\] <comparator> <number>\[<unit>\], e\.g\. .*`asp regress --help` lists the metrics/);
  });

  it('points a caret at the problem', () => {
    expect(error('tasks.failed = 0').message.split('\n').slice(1)).toEqual(['    tasks.failed = 0', '                 ^']);
  });

  it('parses every documented metric (with an aggregate for trends), of both catalogues', () => {
    for (const m of METRICS) expect(parseMetricRef(m.shape === 'trend' ? `${m.name}.p90` : m.name, runMetricCatalogue).metric).toBe(m.name);
    for (const name of loadMetricCatalogue.names())
      expect(parseMetricRef(name, loadMetricCatalogue).metric).toBe(name.replace(/\.(count|min|avg|p\d+|max)$/, (m) => (loadMetricCatalogue.get(name) ? m : '')));
  });
});

describe('evaluateThreshold', () => {
  const check = (text: string) => evaluateThreshold(parse(text), (ref) => readRunMetric(ref, metrics));

  it('compares values and trend aggregates, bounds converted to the metric unit', () => {
    expect(check('tasks.failed == 0')).toMatchObject({ pass: true, actual: 0 });
    expect(check('estimate.in_interval70 >= 0.6').pass).toBe(true);
    expect(check('escaped_defects == 0')).toMatchObject({ pass: false, actual: 2 });
    expect(check('review_rounds.max <= 3')).toMatchObject({ pass: false, actual: 4 });
    expect(check('review_rounds.avg < 2')).toMatchObject({ pass: true, actual: 1.8 });
    expect(check('review_rounds.med == 1.5')).toMatchObject({ pass: true });
    expect(check('review_rounds.count == 10').pass).toBe(true);
    expect(check('review_rounds.sum == 18').pass).toBe(true);
    expect(check('review_rounds.min > 0').pass).toBe(true);
    expect(check('task_minutes.max <= 1.5h')).toMatchObject({ pass: true, actual: 90 });
    expect(check('task_minutes.max < 1h').pass).toBe(false);
    expect(check('tasks.failed_rate < 5%').pass).toBe(true);
    expect(check('sim.hours > 1800min').pass).toBe(false);
  });

  it('uses percentiles interpolated between ranks', () => {
    // sorted: 1 1 1 1 1 2 2 2 3 4 → p90 at position 8.1 = 3 + 0.1 × (4 − 3)
    expect(check('review_rounds.p90 <= 3.1').actual).toBeCloseTo(3.1, 10);
    expect(check('review_rounds.p(50) == 1.5').pass).toBe(true);
    expect(check('review_rounds.p100 == 4').pass).toBe(true);
  });

  it('fails with no data rather than passing vacuously', () => {
    expect(check('review_yield >= 0.5')).toMatchObject({ pass: false, actual: null });
    expect(check('cycle_hours.max < 100')).toMatchObject({ pass: false, actual: null });
    expect(check('cycle_hours.count == 0')).toMatchObject({ pass: true, actual: 0 });
  });

  it('compares with equality within 1e-9', () => {
    expect(compare(0.1 + 0.2, '<=', 0.3)).toBe(true);
    expect(compare(0.1 + 0.2, '==', 0.3)).toBe(true);
    expect(compare(0.1 + 0.2, '<', 0.3)).toBe(false);
    expect(compare(1, '!=', 1 + 1e-12)).toBe(false);
  });
});

describe('experiment expectations speak the same language, with a statistic', () => {
  it('parses stats, units and the forecast probability', () => {
    expect(parseExpectation('escaped_defects.change < 0')).toMatchObject({ kind: 'metric', stat: 'change', metric: { ref: 'escaped_defects' }, value: 0 });
    expect(parseExpectation('cycle_hours.avg.change < -10%')).toMatchObject({ stat: 'change', metric: { ref: 'cycle_hours.avg' }, value: -0.1 });
    expect(parseExpectation('task_minutes.p(90).diff < 1h')).toMatchObject({ stat: 'diff', metric: { ref: 'task_minutes.p(90)' }, value: 60 });
    expect(parseExpectation('review_rounds.avg.mean <= 2')).toMatchObject({ stat: 'mean', comparator: '<=', value: 2 });
    expect(parseExpectation('forecast.by_probability >= 70%')).toMatchObject({ kind: 'forecast', value: 0.7 });
  });

  it('says what is wrong', () => {
    expect(parseExpectation('escaped_defects < 3')).toMatch(/needs a statistic at the end: \.mean, \.p10/);
    expect(parseExpectation('review_rounds.mean < 3')).toMatch(/"review_rounds" has many samples/);
    expect(parseExpectation('escaped_defect.change < 0')).toMatch(/unknown metric "escaped_defect"/);
    expect(parseExpectation('escaped_defects.change = 0')).toMatch(/invalid threshold "escaped_defects.change = 0": expected a comparator .* \(column 24\)$/);
  });
});
