import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Datatype, Tensor } from '../inference/tensor.js';
import { inferenceKey, setKeyScratchBytesForTest } from './inference-key.js';

const V = { name: 'churn', version: 3, digest: 'ab'.repeat(32) };

const fp32 = (values: number[], shape = [1, values.length], name = 'x'): Tensor => ({
  name,
  datatype: 'FP32',
  shape,
  data: new Float32Array(values),
});

describe('inferenceKey', () => {
  test('is stable and readable: <name>:<version>:<sha256 base64url>', () => {
    const key = inferenceKey(V, [fp32([0.5, 1.2, 3.4, 0.1])], undefined);
    assert.match(key, /^churn:3:[A-Za-z0-9_-]{43}$/);
    assert.equal(inferenceKey(V, [fp32([0.5, 1.2, 3.4, 0.1])], undefined), key);
  });

  test('the order fields were written in does not matter, nor where the elements sit in memory', () => {
    const a: Tensor = { name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array([1, 2, 3, 4]) };
    const b = { data: new Float32Array([0, 1, 2, 3, 4, 5]).subarray(1, 5), shape: [1, 4], datatype: 'FP32', name: 'x' } as Tensor;
    assert.equal(inferenceKey(V, [a], undefined), inferenceKey(V, [b], undefined));
  });

  test('every part of the version identity is in the key', () => {
    const inputs = [fp32([1, 2])];
    const keys = [
      inferenceKey(V, inputs, undefined),
      inferenceKey({ ...V, name: 'churn2' }, inputs, undefined),
      inferenceKey({ ...V, version: 4 }, inputs, undefined),
      inferenceKey({ ...V, digest: 'cd'.repeat(32) }, inputs, undefined),
    ];
    assert.equal(new Set(keys).size, 4);
  });

  test('the requested outputs count, in order; undefined (all) differs from any list', () => {
    const inputs = [fp32([1, 2])];
    const keys = [undefined, [], ['p'], ['p', 'label'], ['label', 'p'], ['p,label'], ['p|1:label']].map((o) =>
      inferenceKey(V, inputs, o),
    );
    assert.equal(new Set(keys).size, keys.length);
  });

  test('name, datatype and shape count even when the element bytes are the same', () => {
    const bytes = new Float32Array([1, 2, 3, 4]);
    const keys = [
      { name: 'x', datatype: 'FP32', shape: [1, 4], data: bytes },
      { name: 'y', datatype: 'FP32', shape: [1, 4], data: bytes },
      { name: 'x', datatype: 'FP32', shape: [4, 1], data: bytes },
      { name: 'x', datatype: 'FP32', shape: [2, 2], data: bytes },
      { name: 'x', datatype: 'INT32', shape: [1, 4], data: new Int32Array(bytes.buffer) },
      { name: 'x', datatype: 'UINT8', shape: [16], data: new Uint8Array(bytes.buffer) },
    ].map((t) => inferenceKey(V, [t as Tensor], undefined));
    assert.equal(new Set(keys).size, keys.length);
  });

  test('BYTES strings are length-prefixed: ["ab","c"], ["a","bc"] and ["abc"] differ', () => {
    const bytes = (data: string[]): Tensor[] => [{ name: 's', datatype: 'BYTES', shape: [data.length], data }];
    const keys = [['ab', 'c'], ['a', 'bc'], ['abc', ''], ['', 'abc'], ['1:a', 'b'], ['é'], ['e\u0301']].map((d) =>
      inferenceKey(V, bytes(d), undefined),
    );
    assert.equal(new Set(keys).size, keys.length);
  });

  test('-0 and 0 are different keys (byte equality: the model is not promised to answer both alike)', () => {
    assert.notEqual(inferenceKey(V, [fp32([0])], undefined), inferenceKey(V, [fp32([-0])], undefined));
  });

  test('the split between inputs cannot be moved: [x=[1,2], y=[3]] differs from [x=[1], y=[2,3]]', () => {
    const a = [fp32([1, 2], [2], 'x'), fp32([3], [1], 'y')];
    const b = [fp32([1], [1], 'x'), fp32([2, 3], [2], 'y')];
    assert.notEqual(inferenceKey(V, a, undefined), inferenceKey(V, b, undefined));
  });

  describe('inputs larger than the scratch buffer', () => {
    after(() => setKeyScratchBytesForTest(64 * 1024));

    test('stream through createHash to the same key the one-shot path gives', () => {
      const inputs: Tensor[] = [
        fp32(Array.from({ length: 300 }, (_, i) => i / 7), [300]),
        { name: 'ids', datatype: 'INT64', shape: [2], data: new BigInt64Array([2n ** 60n, -5n]) },
        { name: 's', datatype: 'BYTES', shape: [3], data: ['héllo', '日本', '👍'] },
      ];
      const oneShot = inferenceKey(V, inputs, ['p']);
      setKeyScratchBytesForTest(64);
      assert.equal(inferenceKey(V, inputs, ['p']), oneShot);
    });
  });

  test('property: two requests share a key exactly when the model would see the same thing', () => {
    // Small alphabets so that equal and nearly-equal requests both occur often.
    const name = fc.constantFrom('x', 'y', 'x|1', ':');
    const numeric = fc.record({
      name,
      datatype: fc.constantFrom<Datatype>('FP32', 'INT32', 'UINT8'),
      shape: fc.constantFrom([4], [1, 4], [2, 2], [16]),
      bytes: fc.uint8Array({ minLength: 16, maxLength: 16, max: 1 }),
    });
    const strings = fc.record({ name, strings: fc.array(fc.constantFrom('', 'a', 'b', 'ab', '|', 'é'), { maxLength: 3 }) });
    const input = fc.oneof(numeric, strings);
    const request = fc.record({
      inputs: fc.array(input, { minLength: 1, maxLength: 2 }),
      outputs: fc.option(fc.array(fc.constantFrom('p', 'q'), { maxLength: 2 }), { nil: undefined }),
    });
    type Req = typeof request extends fc.Arbitrary<infer R> ? R : never;
    const tensors = (r: Req): Tensor[] =>
      r.inputs.map((i) => {
        if ('strings' in i) return { name: i.name, datatype: 'BYTES', shape: [i.strings.length], data: i.strings };
        const buf = new Uint8Array(i.bytes).buffer;
        const data = i.datatype === 'FP32' ? new Float32Array(buf) : i.datatype === 'INT32' ? new Int32Array(buf) : new Uint8Array(buf);
        return { name: i.name, datatype: i.datatype, shape: i.datatype === 'UINT8' ? [16] : i.shape, data };
      });
    // What the model sees, written plainly: names, datatypes, shapes, element bytes, requested outputs.
    const canonical = (r: Req): string =>
      JSON.stringify([
        r.outputs ?? null,
        tensors(r).map((t) => [t.name, t.datatype, t.shape, Array.isArray(t.data) ? t.data : [...new Uint8Array(t.data.buffer)]]),
      ]);
    fc.assert(
      // Half the pairs are the same request rebuilt from scratch, so the "equal" side is exercised as much.
      fc.property(request, request, fc.boolean(), (a, other, rebuild) => {
        const b = rebuild ? structuredClone(a) : other;
        const same = inferenceKey(V, tensors(a), a.outputs) === inferenceKey(V, tensors(b), b.outputs);
        assert.equal(same, canonical(a) === canonical(b));
      }),
      { numRuns: 2000 },
    );
  });
});
