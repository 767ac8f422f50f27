import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { firstNonFinite } from './finite.js';
import type { Tensor } from './tensor.js';

function fp32(name: string, values: number[]): Tensor {
  return { name, datatype: 'FP32', shape: [values.length], data: new Float32Array(values) };
}

function fp64(name: string, values: number[]): Tensor {
  return { name, datatype: 'FP64', shape: [values.length], data: new Float64Array(values) };
}

function fp16(name: string, bits: number[]): Tensor {
  return { name, datatype: 'FP16', shape: [bits.length], data: new Uint16Array(bits) };
}

describe('firstNonFinite', () => {
  test('finite outputs, including the extremes, -0 and subnormals, are null; so are no outputs', () => {
    assert.equal(firstNonFinite([]), null);
    assert.equal(firstNonFinite([fp32('p', [0, -0, 1.5, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45])]), null);
    assert.equal(firstNonFinite([fp64('p', [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -0])]), null);
    assert.equal(firstNonFinite([{ name: 'e', datatype: 'FP32', shape: [0], data: new Float32Array(0) }]), null);
  });

  test('FP32 and FP64: NaN, +Infinity and -Infinity are found at their index', () => {
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      assert.deepEqual(firstNonFinite([fp32('probability', [0.1, 0.2, bad, 0.4])]), { output: 'probability', index: 2 }, `FP32 ${bad}`);
      assert.deepEqual(firstNonFinite([fp64('score', [bad])]), { output: 'score', index: 0 }, `FP64 ${bad}`);
    }
  });

  test('FP32 overflow from FP64 values is Infinity and is found', () => {
    assert.deepEqual(firstNonFinite([fp32('p', [1, 1e39])]), { output: 'p', index: 1 });
  });

  test('FP16 bit patterns: exponent all ones is Infinity or NaN; the largest finite half is finite', () => {
    assert.equal(firstNonFinite([fp16('h', [0x0000, 0x8000, 0x3c00, 0x7bff, 0xfbff, 0x0001, 0x03ff, 0x0400])]), null);
    assert.deepEqual(firstNonFinite([fp16('h', [0x3c00, 0x7c00])]), { output: 'h', index: 1 }, '+Infinity');
    assert.deepEqual(firstNonFinite([fp16('h', [0x3c00, 0x3c00, 0xfc00])]), { output: 'h', index: 2 }, '-Infinity');
    assert.deepEqual(firstNonFinite([fp16('h', [0x7e00])]), { output: 'h', index: 0 }, 'quiet NaN');
    assert.deepEqual(firstNonFinite([fp16('h', [0x0000, 0x7c01])]), { output: 'h', index: 1 }, 'signalling NaN');
    assert.deepEqual(firstNonFinite([fp16('h', [0xffff])]), { output: 'h', index: 0 }, 'negative NaN');
  });

  test('integer, boolean and BYTES outputs are never non-finite, whatever their bits', () => {
    const outputs: Tensor[] = [
      { name: 'u16', datatype: 'UINT16', shape: [2], data: new Uint16Array([0x7c00, 0x7e00]) },
      { name: 'i32', datatype: 'INT32', shape: [2], data: new Int32Array([0x7f800000, -1]) },
      { name: 'i64', datatype: 'INT64', shape: [1], data: new BigInt64Array([2n ** 63n - 1n]) },
      { name: 'u8', datatype: 'UINT8', shape: [1], data: new Uint8Array([255]) },
      { name: 'b', datatype: 'BOOL', shape: [1], data: new Uint8Array([1]) },
      { name: 's', datatype: 'BYTES', shape: [2], data: ['NaN', 'Infinity'] },
    ];
    assert.equal(firstNonFinite(outputs), null);
  });

  test('the first hit is reported: the first output holding one, at its first index', () => {
    const outputs: Tensor[] = [
      { name: 'label', datatype: 'INT64', shape: [3], data: new BigInt64Array([1n, 0n, 1n]) },
      fp32('probability', [0.5, 0.25, 0.75]),
      fp64('logit', [0, Number.NaN, Infinity]),
      fp32('later', [Number.NaN]),
    ];
    assert.deepEqual(firstNonFinite(outputs), { output: 'logit', index: 1 });
    outputs[1] = fp32('probability', [0.5, -Infinity, Number.NaN]);
    assert.deepEqual(firstNonFinite(outputs), { output: 'probability', index: 1 });
  });
});
