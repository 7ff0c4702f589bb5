import { describe, expect, it } from 'vitest';
import { liveReplayStatus } from '../../../src/cli/live-replay.ts';

describe('liveReplayStatus', () => {
  it('a re-run with the recorded outcome matches, with or without command agents', () => {
    expect(liveReplayStatus(true, [])).toBe('match');
    expect(liveReplayStatus(true, ['alex'])).toBe('match');
  });
  it('a different outcome is a divergence for simulated personas, an expected difference for command agents', () => {
    expect(liveReplayStatus(false, [])).toBe('diverged');
    expect(liveReplayStatus(false, ['alex', 'sarah'])).toBe('expected-differences');
  });
});
