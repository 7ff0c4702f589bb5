import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictionInterval } from '../src/prediction-interval.mjs';
import { close, pairs } from './psp-data.mjs';

test('__REQ__: the 70 % prediction interval at x_k = 386', () => {
  const p = predictionInterval(pairs, 386, 0.7);
  assert.ok(close(p.yk, 644.4293838, 1e-5), `y_k is ${p.yk}, expected 644.4293838`);
  assert.ok(close(p.range, 230.0017197, 1e-4), `range is ${p.range}, expected 230.0017197`);
  assert.ok(close(p.upi, 874.4311035, 1e-4), `UPI is ${p.upi}, expected 874.4311035`);
  assert.ok(close(p.lpi, 414.427664, 1e-4), `LPI is ${p.lpi}, expected 414.427664`);
});
