import { describe, expect, it } from 'vitest';
import { forecast, parseDuration, spread, wilson } from '../../../src/experiment/forecast.ts';

describe('forecast', () => {
  it('reads durations in working time', () => {
    expect(parseDuration('30d', 8)).toBe(240);
    expect(parseDuration('2w', 8)).toBe(80);
    expect(parseDuration('12h', 8)).toBe(12);
    expect(parseDuration('1.5d', 6)).toBe(9);
  });

  it('gives central 70 % and 90 % ranges', () => {
    const s = spread(Array.from({ length: 101 }, (_, i) => i));
    expect(s.p50).toBe(50);
    expect(s.range70).toEqual({ low: 15, high: 85 });
    expect(s.range90).toEqual({ low: 5, high: 95 });
  });

  it('counts a run as finished by the deadline when its calendar ends by then; runs with every task done apart', () => {
    const run = (endHours: number, done = 4) => ({
      endHours,
      effortHours: endHours * 2,
      tasks: 4,
      done,
      completion: [
        { hours: endHours / 2, done: 2 },
        { hours: endHours, done },
      ],
    });
    const f = forecast([run(10), run(20), run(30), run(25, 3)], { hoursPerDay: 8, byHours: 20 });
    expect(f.by!.probability).toBe(0.5);
    expect(f.by!.days).toBe(2.5);
    expect(f.allDone).toBe(3);
    expect(f.by!.interval.low).toBeLessThan(0.5);
    expect(f.by!.interval.high).toBeGreaterThan(0.5);
  });

  it('draws a fan chart of tasks done that rises to the total', () => {
    const runs = [10, 20, 30].map((end) => ({
      endHours: end,
      effortHours: end,
      tasks: 4,
      done: 4,
      completion: [
        { hours: end / 2, done: 2 },
        { hours: end, done: 4 },
      ],
    }));
    const { fan } = forecast(runs, { hoursPerDay: 10, fanPoints: 6 });
    expect(fan.days).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(fan.bands.p50[0]).toBe(0);
    expect(fan.bands.p50[fan.days.length - 1]).toBe(4);
    for (const band of Object.values(fan.bands)) for (let i = 1; i < band.length; i++) expect(band[i]).toBeGreaterThanOrEqual(band[i - 1]!);
    expect(fan.total).toBe(4);
  });

  it('wilson intervals stay inside 0..1', () => {
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(10, 10).high).toBe(1);
    const w = wilson(50, 100);
    expect(w.low).toBeCloseTo(0.4038, 3);
    expect(w.high).toBeCloseTo(0.5962, 3);
  });
});
