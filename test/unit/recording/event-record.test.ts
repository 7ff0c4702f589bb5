import { describe, expect, it } from 'vitest';
import { digestOf, requestDigest } from '../../../src/recording/event-record.ts';

describe('requestDigest', () => {
  const history = Array.from({ length: 40 }, (_, i) => ({ proxySize: 100 + i, planSize: 120 + i, actualSize: 130 + 2 * i, actualMinutes: 600 + i }));

  it('is the digest of the request, the shared history hashed once: the same for every request of a cycle and any other', () => {
    const requests = [
      { step: 'estimate', taskId: 'a', round: 0, proxySize: 120, history },
      { history, taskId: 'b', step: 'estimate', round: 0, proxySize: 99.5 },
      { step: 'estimate', taskId: 'a', round: 0, proxySize: 120, history: [...history] },
      { history },
      { agent: 'x', history },
      { '1': 'index first', history },
      { step: 'estimate', taskId: 'c', round: 0, proxySize: 1, history: [] },
      { step: 'review', taskId: 'c', round: 1, latent: [], size: 12 },
    ];
    for (const request of requests) expect(requestDigest(request)).toBe(digestOf(request));
    // Asked again (the prefix now cached), still the same; a different rest gives a different digest.
    expect(requestDigest(requests[0])).toBe(digestOf(requests[0]));
    expect(requestDigest(requests[0])).not.toBe(requestDigest({ ...requests[0], proxySize: 121 }));
  });
});
