import assert from 'node:assert/strict';
import { test } from 'node:test';
import { significance } from '../src/significance.mjs';
import { pairs } from './psp-data.mjs';

test('__REQ__: the significance of the correlation', () => {
  const s = significance(pairs);
  assert.ok(Math.abs(s.tail - 1.77517e-5) < 1e-9, `tail area is ${s.tail}, expected 1.77517e-5`);
});
