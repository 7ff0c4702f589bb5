import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  estimateWithProbe,
  partSize,
  proxySizeFromParts,
  relativeSizeTable,
  relativeSizeTables,
  estimatedProxySize,
  estimatedTotalSize,
  parseHistoryText,
  type ProbeHistoryPoint,
} from '../../../src/probe/index.ts';
import { expectNoNaN, vectors } from './helpers.ts';

describe('estimateWithProbe edge cases: no NaN anywhere', () => {
  const histories: [string, ProbeHistoryPoint[]][] = [
    ['empty history', []],
    ['one point', [{ proxySize: 100, actualSize: 120, actualMinutes: 600 }]],
    [
      'two points',
      [
        { proxySize: 100, actualSize: 120, actualMinutes: 600 },
        { proxySize: 200, actualSize: 260, actualMinutes: 1300 },
      ],
    ],
    ['zero variance in x', [1, 2, 3, 4].map((i) => ({ proxySize: 100, planSize: 110, actualSize: 100 + i * 10, actualMinutes: 500 + i * 30 }))],
    ['perfect line (r = 1)', [1, 2, 3, 4].map((i) => ({ proxySize: 100 * i, planSize: 100 * i, actualSize: 100 * i, actualMinutes: 600 * i }))],
    ['r = -1', [1, 2, 3, 4].map((i) => ({ proxySize: 100 * i, actualSize: 600 - 100 * i, actualMinutes: 60 * i }))],
    ['all zeros', [1, 2, 3].map(() => ({ proxySize: 0, actualSize: 0, actualMinutes: 0 }))],
    ['constant y', [1, 2, 3, 4].map((i) => ({ proxySize: 100 * i, actualSize: 250, actualMinutes: 600 }))],
  ];
  for (const [name, history] of histories) {
    for (const proxySize of [0, 250]) {
      it(`${name}, E = ${proxySize}`, () => {
        const e = estimateWithProbe({ history, proxySize });
        expectNoNaN(e);
        expect(e.size.candidates.length).toBe(4);
        expect(e.time.candidates.length).toBe(6);
        expect(e.size.rationale).toMatch(/^method /);
      });
    }
  }

  it('the perfect line chooses regression with Range 0', () => {
    const history = [1, 2, 3, 4].map((i) => ({ proxySize: 100 * i, planSize: 100 * i, actualSize: 100 * i, actualMinutes: 600 * i }));
    const e = estimateWithProbe({ history, proxySize: 250 });
    expect(e.size.method).toBe('A');
    expect(e.size.projected).toBeCloseTo(250, 9);
    expect(e.size.significance).toBe(0);
    for (const i of e.size.intervals) expect(i.range).toBeLessThan(1e-9);
  });

  it('random histories never produce NaN', () => {
    const point = fc.record({
      proxySize: fc.integer({ min: 0, max: 2000 }),
      planSize: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
      actualSize: fc.integer({ min: 0, max: 3000 }),
      actualMinutes: fc.integer({ min: 0, max: 20000 }),
    });
    fc.assert(
      fc.property(fc.array(point, { maxLength: 12 }), fc.integer({ min: 0, max: 3000 }), (raw, proxySize) => {
        const history = raw.map(({ planSize, ...rest }) => (planSize === undefined ? rest : { ...rest, planSize }));
        const e = estimateWithProbe({ history, proxySize });
        expectNoNaN(e);
        expect(e.size.candidates.some((c) => c.usable)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects invalid requests with PROBE_INPUT', () => {
    expect(() => estimateWithProbe({ history: [], proxySize: -1 })).toThrow(/proxySize/);
    expect(() => estimateWithProbe({ history: [{ proxySize: 1, actualSize: Number.NaN, actualMinutes: 1 }], proxySize: 1 })).toThrow(/history\[0\]\.actualSize/);
    expect(() => estimateWithProbe({ history: [], proxySize: 1, intervalPercents: [120] })).toThrow(/between 0 and 100/);
    expect(() => estimateWithProbe({ history: [], proxySize: 1, judgmentProductivity: 0 })).toThrow(/judgmentProductivity/);
  });
});

describe('relative-size tables and proxy size from parts', () => {
  const parts = (vectors.cases.find((c) => c.id.startsWith('relative-size'))?.inputs.parts ?? []) as { size: number; items: number }[];

  it('part size = size per item × (items || 1)', () => {
    const table = relativeSizeTable(parts, 'Calculation');
    expect(partSize(table, 'M', 3)).toBeCloseTo(16.4696 * 3, 3);
    expect(partSize(table, 'VL', 0)).toBeCloseTo(61.7137, 3);
    expect(partSize(table, 'S')).toBeCloseTo(8.5081, 3);
    const pa = proxySizeFromParts({ Calculation: table }, [
      { type: 'Calculation', relativeSize: 'M', items: 2 },
      { type: 'Calculation', relativeSize: 'L' },
    ]);
    expect(pa.total).toBeCloseTo(2 * 16.4696 + 31.8811, 3);
    expect(() => proxySizeFromParts({ Calculation: table }, [{ type: 'Logic', relativeSize: 'M' }])).toThrow(/no relative-size table for proxy type "Logic"/);
  });

  it('groups by type, and a table with fewer than 2 parts is not computable', () => {
    const tables = relativeSizeTables([
      { type: 'Data', size: 10, items: 1 },
      { type: 'Data', size: 40, items: 2 },
      { type: 'Text', size: 30 },
    ]);
    expect(tables.Data?.computable).toBe(true);
    expect(tables.Text?.computable).toBe(false);
    expect(tables.Text?.reason).toMatch(/at least 2 parts/);
    expectNoNaN(tables);
    expect(() => partSize(tables.Text as never, 'M')).toThrow(/not computable/);
    expect(relativeSizeTable([]).computable).toBe(false);
    expectNoNaN(relativeSizeTable([]));
    expect(() => relativeSizeTable([{ size: 0 }, { size: 3 }])).toThrow(/positive/);
  });

  it('worksheet formulas E = BA + PA + M and T = P + B − D − M + R', () => {
    const w = { base: 1000, deleted: 20, modified: 30, baseAdded: 50, partsAdded: 200, reused: 100 };
    expect(estimatedProxySize(w)).toBe(280);
    expect(estimatedTotalSize(300, w)).toBe(300 + 1000 - 20 - 30 + 100);
  });
});

describe('history files', () => {
  it('parses JSON and CSV (hours converted to minutes)', () => {
    const json = parseHistoryText('[{"proxySize":10,"actualSize":12,"actualMinutes":60,"planSize":11}]');
    expect(json).toEqual([{ proxySize: 10, planSize: 11, actualSize: 12, actualMinutes: 60 }]);
    const csv = parseHistoryText('proxy_size,actual size,actualHours\n10,12,1.5\n');
    expect(csv).toEqual([{ proxySize: 10, actualSize: 12, actualMinutes: 90 }]);
    expect(parseHistoryText('{"history":[]}')).toEqual([]);
  });
  it('explains bad files', () => {
    expect(() => parseHistoryText('proxySize,actualSize\n1,2', 'h.csv')).toThrow(/h\.csv: line 2: actualMinutes \(or actualHours\) is missing/);
    expect(() => parseHistoryText('proxySize,actualSize,actualMinutes\n1,x,3', 'h.csv')).toThrow(/actualSize is "x"/);
    expect(() => parseHistoryText('[1', 'h.json')).toThrow(/invalid JSON/);
  });
});
