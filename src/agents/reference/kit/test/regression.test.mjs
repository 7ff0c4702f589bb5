import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPairs, regression } from '../src/regression.mjs';
import { close, pairs } from './psp-data.mjs';

test('__REQ__: reads pairs from a file and computes β0, β1, r and r²', () => {
  const read = readPairs(`# x,y\n${pairs.map((p) => `${p.x},${p.y}`).join('\n')}\n`);
  assert.deepEqual(read, pairs);
  const r = regression(read);
  assert.ok(close(r.beta0, -22.55253275, 1e-6), `β0 is ${r.beta0}, expected -22.55253275`);
  assert.ok(close(r.beta1, 1.727932426, 1e-8), `β1 is ${r.beta1}, expected 1.727932426`);
  assert.ok(close(r.r, 0.954496574, 1e-8), `r is ${r.r}, expected 0.954496574`);
  assert.ok(close(r.r2, 0.91106371, 1e-7), `r² is ${r.r2}, expected 0.91106371`);
});

test('__REQ__: refuses a line that is not two numbers', () => {
  assert.throws(() => readPairs('1,2\nthree,4\n'), /line 2/);
});
