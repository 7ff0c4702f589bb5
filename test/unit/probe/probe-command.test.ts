import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProbeCommand } from '../../../src/cli/probe-command.ts';
import { tableD8History, vectors } from './helpers.ts';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProbeCommand(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const regressionCase = vectors.cases.find((c) => c.id.startsWith('regression-'));
const x = (regressionCase?.inputs.x as number[]).join(',');
const y = (regressionCase?.inputs.y as number[]).join(',');

describe('asp probe', () => {
  it('prints one JSON object matching the test vector', async () => {
    const { code, out, err } = await run(['--x', x, '--y', y, '--xk', '386', '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    const obj = JSON.parse(out) as Record<string, number | null>;
    const expected = regressionCase?.expected ?? {};
    const keyMap: Record<string, string> = { significance_tail_1_minus_2p: 'significance' };
    for (const [key, e] of Object.entries(expected)) {
      const got = obj[keyMap[key] ?? key];
      expect(typeof got, key).toBe('number');
      expect(Math.abs((got as number) - e.value), key).toBeLessThanOrEqual(e.tolerance);
    }
    for (const key of ['n', 'beta0', 'beta1', 'r', 'r2', 'significance', 'yk', 'range70', 'upi70', 'lpi70', 'range90', 'upi90', 'lpi90', 'reason']) {
      expect(obj).toHaveProperty(key);
    }
    expect(obj.n).toBe(10);
    expect(obj.reason).toBeNull();
  });

  it('adds --percent intervals', async () => {
    const { code, out } = await run(['--x', x, '--y', y, '--xk', '386', '--percent', '80,95', '--json']);
    expect(code).toBe(0);
    const obj = JSON.parse(out) as Record<string, number>;
    expect(obj.range80).toBeGreaterThan(obj.range70 as number);
    expect(obj.range95).toBeGreaterThan(obj.range90 as number);
  });

  it('non-computable fields are null with a reason', async () => {
    const { code, out } = await run(['--x', '1,2', '--y', '3,5', '--xk', '4', '--json']);
    expect(code).toBe(0);
    const obj = JSON.parse(out) as Record<string, unknown>;
    expect(obj.range70).toBeNull();
    expect(obj.significance).toBeNull();
    expect(obj.yk).toBe(9);
    expect(obj.reason).toMatch(/n = 2/);
    expect(out).not.toMatch(/NaN/);
  });

  it('prints a readable aligned table without --json', async () => {
    const { code, out } = await run(['--x', x, '--y', y, '--xk', '386']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    const valueColumn = lines.map((l) => /^\S+\s+/.exec(l)?.[0].length);
    expect(new Set(valueColumn).size).toBe(1);
    expect(out).toMatch(/^range70\s+230\.00172$/m);
    expect(out).toMatch(/^beta1\s+1\.727932$/m);
  });

  it('runs method selection on a history file (CSV and JSON)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probe-cmd-'));
    const csv = join(dir, 'history.csv');
    writeFileSync(csv, ['proxySize,planSize,actualSize,actualMinutes', ...tableD8History().map((h) => `${h.proxySize},${h.planSize},${h.actualSize},${h.actualMinutes}`)].join('\n'));
    const table = await run(['--history', csv, '--proxy', '386']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/size: method B/);
    expect(table.out).toMatch(/time: method B/);
    expect(table.out).toMatch(/\bC1\s+-10\.00\s+no\b/);

    const json = join(dir, 'history.json');
    writeFileSync(json, JSON.stringify({ history: tableD8History() }));
    const res = await run(['--history', json, '--proxy', '386', '--json']);
    expect(res.code).toBe(0);
    const est = JSON.parse(res.out) as { size: { method: string; candidates: { method: string; score: number }[] }; time: { method: string } };
    expect(est.size.method).toBe('B');
    expect(est.size.candidates.map((c) => [c.method, c.score.toFixed(2)]).slice(0, 2)).toEqual([
      ['B', '7.67'],
      ['A', '7.14'],
    ]);
    expect(est.time.method).toBe('B');

    const both = await run(['--x', x, '--y', y, '--xk', '386', '--history', json, '--proxy', '386', '--json']);
    const obj = JSON.parse(both.out) as { range70: number; estimate: { size: { method: string } } };
    expect(obj.range70).toBeCloseTo(230.0017197, 6);
    expect(obj.estimate.size.method).toBe('B');
  });

  const bad: [string, string[], RegExp][] = [
    ['a bad number', ['--x', '1,2,abc', '--y', '1,2,3', '--xk', '3'], /--x: "abc" \(item 3\) is not a number/],
    ['an empty item', ['--x', '1,,3', '--y', '1,2,3', '--xk', '3'], /--x: "" \(item 2\) is not a number/],
    ['mismatched lengths', ['--x', '1,2,3', '--y', '1,2', '--xk', '3'], /--x has 3 values but --y has 2/],
    ['missing --xk', ['--x', '1,2,3', '--y', '1,2,3'], /--xk is missing/],
    ['missing --y', ['--x', '1,2,3', '--xk', '3'], /--y is missing/],
    ['bad --xk', ['--x', '1,2,3', '--y', '1,2,3', '--xk', 'big'], /--xk: "big" is not a number/],
    ['bad --percent', ['--x', '1,2,3', '--y', '1,2,3', '--xk', '3', '--percent', '0.8'], /--percent: 0\.8 is out of range/],
    ['no options', [], /missing options/],
    ['unknown option', ['--bogus'], /bogus/],
    ['missing history file', ['--history', '/nonexistent/h.csv', '--proxy', '3'], /--history: cannot read/],
    ['--proxy without --history', ['--proxy', '3'], /--history is missing/],
    ['--history without --proxy', ['--history', 'h.csv'], /--proxy is missing/],
  ];
  for (const [name, argv, message] of bad) {
    it(`exits 2 on ${name}`, async () => {
      const { code, out, err } = await run(argv);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(message);
      expect(err).toMatch(/fix: /);
    });
  }

  it('--help prints usage', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/usage: asp probe/);
  });
});
