import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AspError } from '../../../src/errors.ts';
import { loadScenarioFile, parseScenario } from '../../../src/scenario/scenario-loader.ts';
import { planCycles } from '../../../src/scenario/task-plan.ts';
import { findInvalidUtf8 } from '../../../src/scenario/text-file.ts';

/**
 * Inputs that used to start a run: an explicit id equal to a generated one,
 * numbers past Node's timers or the model's range, huge texts, devices,
 * FIFOs and invalid UTF-8. Each is refused with exit 2, naming where.
 */
function rejected(load: () => unknown, code: 'SCENARIO_INVALID' | 'SCENARIO_UNREADABLE' = 'SCENARIO_INVALID'): AspError {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(AspError);
    const e = err as AspError;
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(2);
    return e;
  }
  throw new Error('expected the scenario to be rejected');
}

const task = (extra: string) => `name: t\ncycles:\n  - tasks:\n      - { id: a, title: A, proxySize: 50${extra} }\n`;

describe('scenario bounds', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'asp-bounds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an explicit task id equal to a generated one, naming line, column and the generator', () => {
    const source = `name: t\ncycles:\n  - generate: { count: 4, idPrefix: feature }\n  - tasks:\n      - { id: x, title: X, proxySize: 5 }\n      - { id: feature-c1-3, title: Clash, proxySize: 5 }\n`;
    const e = rejected(() => parseScenario(source, 'ids.yaml'));
    expect(e.message).toContain('ids.yaml:6:15 (cycles[1].tasks[1].id)');
    expect(e.message).toContain('cycles[0].generate');
    // The same id in a cycle whose generator does not produce it is fine (padding, count and cycle differ).
    for (const ok of ['feature-c1-5', 'feature-c1-03', 'feature-c2-1', 'other-c1-1']) {
      const loaded = parseScenario(source.replace('feature-c1-3', ok));
      const ids = planCycles(loaded.scenario).flatMap((c) => [...c.tasks()].map((t) => t.id));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('refuses timers past 2^31−1 ms and a retry backoff that would overflow', () => {
    const e = rejected(() => parseScenario(`name: t\nworkflow: { stepTimeoutMs: 3000000000 }\ncycles: [{ tasks: [{ id: a, title: A, proxySize: 5 }] }]\n`, 'w.yaml'));
    expect(e.message).toMatch(/w\.yaml:2:\d+ \(workflow\.stepTimeoutMs\)/);
    expect(e.message).toContain('2147483647');
    rejected(() => parseScenario(`name: t\nworkflow: { redisOutageMs: 2147483648 }\ncycles: [{ tasks: [{ id: a, title: A, proxySize: 5 }] }]\n`));
    rejected(() => parseScenario(`name: t\nworkflow: { stepBackoffMs: 60000, stepAttempts: 20 }\ncycles: [{ tasks: [{ id: a, title: A, proxySize: 5 }] }]\n`));
    expect(parseScenario(`name: t\nworkflow: { stepTimeoutMs: 2147483647 }\ncycles: [{ tasks: [{ id: a, title: A, proxySize: 5 }] }]\n`).scenario.workflow.stepTimeoutMs).toBe(2 ** 31 - 1);
  });

  it('refuses floats past the model range', () => {
    expect(rejected(() => parseScenario(task('').replace('proxySize: 50', 'proxySize: 1e308'), 'p.yaml')).message).toContain('(cycles[0].tasks[0].proxySize)');
    const e = rejected(() => parseScenario(`name: t\npersonas: { alex: { defectRate: 1e6 } }\ncycles: [{ tasks: [{ id: a, title: A, proxySize: 5 }] }]\n`, 'd.yaml'));
    expect(e.message).toContain('(personas.alex.defectRate)');
    rejected(() => parseScenario(`name: t\ncycles: [{ generate: { count: 2, proxySize: { median: 150, sigma: 40 } } }]\n`));
  });

  it('refuses titles over 1,000 characters, requirements over 4,000 and more than 500 requirements', () => {
    expect(rejected(() => parseScenario(task('').replace('title: A', `title: ${'x'.repeat(1001)}`))).message).toContain('(cycles[0].tasks[0].title)');
    expect(rejected(() => parseScenario(task(`, requirements: [${'y'.repeat(4001)}]`))).message).toContain('(cycles[0].tasks[0].requirements[0])');
    const many = Array.from({ length: 501 }, (_, i) => `r${i}`).join(', ');
    expect(rejected(() => parseScenario(task(`, requirements: [${many}]`))).message).toContain('(cycles[0].tasks[0].requirements)');
    expect(parseScenario(task('').replace('title: A', `title: ${'x'.repeat(1000)}`)).scenario.cycles[0]?.tasks[0]?.title).toHaveLength(1000);
  });

  it('reads only regular files: /dev/zero and a FIFO are refused at once', () => {
    expect(rejected(() => loadScenarioFile('/dev/zero'), 'SCENARIO_UNREADABLE').message).toContain('character device');
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(rejected(() => loadScenarioFile(fifo), 'SCENARIO_UNREADABLE').message).toContain('FIFO');
    expect(rejected(() => loadScenarioFile(dir), 'SCENARIO_UNREADABLE').message).toContain('folder');
  });

  it('enforces the byte limit while reading', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `name: t\n# ${'x'.repeat(5 * 1024 * 1024)}\ncycles: [{ tasks: [{ id: a, title: A, proxySize: 5 }] }]\n`);
    expect(rejected(() => loadScenarioFile(big)).message).toContain('larger than 5242880 bytes');
  });

  it('refuses invalid UTF-8, naming the byte offset, line and column', () => {
    const file = join(dir, 'latin1.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('name: t\ncycles:\n  - tasks: [{ id: a, title: "Caf'), Buffer.from([0xe9]), Buffer.from('", proxySize: 5 }]\n')]));
    const e = rejected(() => loadScenarioFile(file));
    expect(e.message).toContain(`${file}:3:33`);
    expect(e.message).toContain('byte 48 (0xe9) is not valid UTF-8');
    // Valid multi-byte text passes; overlong forms, surrogates and truncated sequences do not.
    expect(findInvalidUtf8(Buffer.from('Café 日本 🙂'))).toBeUndefined();
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xff]]) {
      expect(findInvalidUtf8(Buffer.from([0x61, ...bad]))?.offset).toBe(1);
    }
  });
});
