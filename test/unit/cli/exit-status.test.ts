import { describe, expect, it } from 'vitest';
import { finishCommand, exitStatus } from '../../../src/cli/exit-status.ts';
import { AspError } from '../../../src/errors.ts';

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

describe('exit status: one meaning per code', () => {
  it('0 when every check held, 1 when one failed, 130 when interrupted (whatever the checks)', () => {
    expect(exitStatus({ checks: [{ expression: 'a', pass: true }] })).toBe(0);
    expect(exitStatus({})).toBe(0);
    expect(
      exitStatus({
        checks: [
          { expression: 'a', pass: true },
          { expression: 'b', pass: false },
        ],
      }),
    ).toBe(1);
    expect(exitStatus({ interrupted: true, checks: [{ expression: 'b', pass: false }] })).toBe(130);
  });

  it("an error's own exit status; anything that is not an AspError is an engine failure (3)", () => {
    expect(exitStatus({ error: new AspError('SCENARIO_INVALID', 'bad') })).toBe(2);
    expect(exitStatus({ error: new AspError('RUNTIME_FAILED', 'listener died') })).toBe(3);
    expect(exitStatus({ error: new TypeError('undefined is not a function') })).toBe(3);
    expect(exitStatus({ error: new AspError('RUNTIME_FAILED', 'x'), interrupted: true })).toBe(130);
  });

  it('names the failed checks with their actual values', () => {
    const { out, io: cli } = io();
    const code = finishCommand(
      'simulate',
      {
        checks: [
          { expression: 'tasks.failed == 0', pass: false, actual: 2 },
          { expression: 'tasks.total == 2', pass: true, actual: 2 },
        ],
      },
      cli,
      'expectation',
    );
    expect(code).toBe(1);
    expect(out.stderr).toBe('simulate: 1 of 2 expectations failed: tasks.failed == 0 (actual 2)\n');
  });

  it('says how to resume after an engine failure whose error does not', () => {
    const { out, io: cli } = io();
    expect(finishCommand('simulate', { error: new Error('disk I/O error'), resume: 'npm run simulate -- --resume run-1' }, cli)).toBe(3);
    expect(out.stderr).toContain('error: disk I/O error (engine failure, exit 3');
    expect(out.stderr).toContain('  resume: npm run simulate -- --resume run-1\n');

    const hinted = io();
    const err = new AspError('REDIS_UNAVAILABLE', 'Redis went away', { exitCode: 3, hint: 'start Redis, then: npm run simulate -- --resume run-1' });
    finishCommand('simulate', { error: err, resume: 'npm run simulate -- --resume run-1' }, hinted.io);
    expect(hinted.out.stderr.match(/--resume/g)).toHaveLength(1);
  });
});
