import { describe, expect, it } from 'vitest';
import { bootstrapPhase, estimateWithProbe, estimationAccuracy, relativeError, type AccuracyProjection, type AccuracyRecord } from '../../../src/probe/index.ts';
import { expectNoNaN, tableD8History } from './helpers.ts';

function projection(projected: number, range: number | null, r2: number | null = 0.9): AccuracyProjection {
  return {
    projected,
    r2,
    intervals:
      range === null
        ? []
        : [
            { percent: 70, lpi: Math.max(0, projected - range), upi: projected + range },
            { percent: 90, lpi: Math.max(0, projected - 2 * range), upi: projected + 2 * range },
          ],
  };
}

function record(sizeEst: number, actualSize: number, timeEst: number, actualMinutes: number, range: number | null = 10, r2: number | null = 0.9): AccuracyRecord {
  return {
    estimate: { size: projection(sizeEst, range, r2), time: projection(timeEst, range === null ? null : range * 10, r2) },
    actualSize,
    actualMinutes,
  };
}

describe('estimation accuracy', () => {
  it('empty list: nulls, Learning, no NaN', () => {
    const report = estimationAccuracy([]);
    expectNoNaN(report);
    expect(report.size.mmre).toBeNull();
    expect(report.size.bias).toBeNull();
    expect(report.size.mapeLast10).toBeNull();
    expect(report.size.hitRates).toEqual([
      { percent: 70, hits: 0, count: 0, rate: null },
      { percent: 90, hits: 0, count: 0, rate: null },
    ]);
    expect(report.time.phase).toBe('Learning');
  });

  it('hit rates count only estimates that had intervals', () => {
    const report = estimationAccuracy([
      record(100, 105, 1000, 1050), // size in 70 (±10), time in 70 (±100)
      record(100, 115, 1000, 1150), // size out of 70, in 90 (±20); time out of 70, in 90
      record(100, 130, 1000, 1300), // out of both
      record(100, 100, 1000, 1000, null), // no intervals: not counted
    ]);
    expect(report.size.hitRates).toEqual([
      { percent: 70, hits: 1, count: 3, rate: 1 / 3 },
      { percent: 90, hits: 2, count: 3, rate: 2 / 3 },
    ]);
    expect(report.time.hitRates[1]).toEqual({ percent: 90, hits: 2, count: 3, rate: 2 / 3 });
  });

  it('MMRE, bias (actual − estimate)/actual and MAPE of the last 10', () => {
    const records = [record(100, 200, 10, 10), record(150, 100, 10, 20)];
    const report = estimationAccuracy(records);
    // size REs: (200-100)/200 = 0.5, (100-150)/100 = -0.5
    expect(report.size.mmre).toBeCloseTo(0.5, 12);
    expect(report.size.bias).toBeCloseTo(0, 12);
    expect(report.size.mapeLast10).toBeCloseTo(50, 12);
    // time REs: 0, 0.5
    expect(report.time.bias).toBeCloseTo(0.25, 12);
    expect(relativeError(10, 0)).toBeNull();
  });

  it('MAPE uses only the last 10 tasks, and zero actuals are left out', () => {
    const bad = Array.from({ length: 5 }, () => record(100, 200, 100, 200));
    const good = Array.from({ length: 10 }, () => record(100, 100, 100, 100));
    const zero = record(100, 0, 100, 0);
    const report = estimationAccuracy([...bad, ...good, zero]);
    expect(report.size.mapeLast10).toBe(0);
    expect(report.size.mmre).toBeCloseTo((5 * 0.5) / 15, 12);
    expect(report.size.relativeCount).toBe(15);
    expectNoNaN(report);
  });

  it('bootstrap phases: Learning < 10 tasks, Shadow at r² > 0.7, Autonomous at MAPE < 20 %', () => {
    const nine = Array.from({ length: 9 }, () => record(100, 100, 100, 100));
    expect(estimationAccuracy(nine).size.phase).toBe('Learning');
    const ten = [...nine, record(100, 100, 100, 100)];
    expect(estimationAccuracy(ten).size.phase).toBe('Autonomous');
    const inaccurate = Array.from({ length: 10 }, () => record(100, 150, 100, 150));
    expect(estimationAccuracy(inaccurate).size.phase).toBe('Shadow');
    const lowR2 = Array.from({ length: 10 }, () => record(100, 100, 100, 100, 10, 0.6));
    expect(estimationAccuracy(lowR2).time.phase).toBe('Learning');
    const noRegression = Array.from({ length: 10 }, () => record(100, 100, 100, 100, null, null));
    expect(estimationAccuracy(noRegression).time.phaseReason).toMatch(/no regression/);
    expect(bootstrapPhase(12, 0.71, 19.9).phase).toBe('Autonomous');
    expect(bootstrapPhase(12, 0.7, 5).phase).toBe('Learning');
    expect(bootstrapPhase(12, 0.9, 20).phase).toBe('Shadow');
  });

  it('accepts ProbeEstimate results directly', () => {
    const history = tableD8History();
    const records: AccuracyRecord[] = history.map((h) => ({
      estimate: estimateWithProbe({ history, proxySize: h.proxySize }),
      actualSize: h.actualSize,
      actualMinutes: h.actualMinutes,
    }));
    const report = estimationAccuracy(records);
    expectNoNaN(report);
    expect(report.tasks).toBe(10);
    expect(report.size.hitRates[0]?.count).toBe(10);
    expect(report.size.r2).toBeCloseTo(0.927588756, 8);
  });
});
