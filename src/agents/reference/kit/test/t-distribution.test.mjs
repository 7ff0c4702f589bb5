import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tInverse, tIntegral } from '../src/t-distribution.mjs';

test('t distribution: the PSP table values', () => {
  assert.ok(Math.abs(tIntegral(1.1, 9) - 0.35006) < 1e-5, `∫₀^1.1 t(9) is ${tIntegral(1.1, 9)}, expected 0.35006`);
  assert.ok(Math.abs(tIntegral(2.8214, 9) - 0.49) < 1e-4);
  assert.ok(Math.abs(tInverse(0.35, 8) - 1.108) < 1e-3, `t(0.35, 8) is ${tInverse(0.35, 8)}, expected 1.108`);
});
