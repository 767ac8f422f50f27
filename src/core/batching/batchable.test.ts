import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Signature } from '../inference/tensor.js';
import { batchable } from './batchable.js';

const sig = (inputs: number[][], outputs: number[][]): Signature => ({
  inputs: inputs.map((shape, i) => ({ name: `in${i}`, datatype: 'FP32', shape })),
  outputs: outputs.map((shape, i) => ({ name: `out${i}`, datatype: 'FP32', shape })),
});

describe('batchable', () => {
  test('every input and output with a variable first dimension: yes', () => {
    assert.deepEqual(batchable(sig([[-1, 4]], [[-1, 1], [-1]])), { ok: true });
    assert.deepEqual(batchable(sig([[-1, -1, 3], [-1]], [[-1, 2, 2]])), { ok: true });
  });

  test('a fixed first dimension on an input or an output: no, and the reason names it', () => {
    const input = batchable(sig([[2, 2]], [[-1, 2]]));
    assert.equal(input.ok, false);
    assert.match(!input.ok ? input.reason : '', /input "in0" has a fixed first dimension \(2\)/);
    const output = batchable(sig([[-1, 2]], [[-1, 2], [1]]));
    assert.match(!output.ok ? output.reason : '', /output "out1" has a fixed first dimension \(1\)/);
  });

  test('a scalar input or output: no', () => {
    const r = batchable(sig([[-1, 2]], [[]]));
    assert.match(!r.ok ? r.reason : '', /output "out0" is a scalar/);
    assert.equal(batchable(sig([[]], [[-1]])).ok, false);
  });

  test('a variable dimension only after the first: no', () => {
    assert.equal(batchable(sig([[4, -1]], [[-1]])).ok, false);
  });

  test('no inputs: no', () => {
    assert.equal(batchable(sig([], [[-1]])).ok, false);
  });
});
