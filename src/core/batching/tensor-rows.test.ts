import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DATATYPES, elementCount, type Datatype, type Tensor, type TensorData } from '../inference/tensor.js';
import { isMooringError } from '../errors.js';
import { concatRows, rowStride, rowsCompatible, splitOutputs, splitRows } from './tensor-rows.js';

/** Distinct, awkward values per datatype (extremes, -0, NaN payloads, half bit patterns), cycled by `seed`. */
function values(datatype: Datatype, count: number, seed: number): TensorData {
  const pick = <T>(pool: readonly T[], i: number): T => pool[(i + seed * 7) % pool.length]!;
  switch (datatype) {
    case 'BOOL':
      return Uint8Array.from({ length: count }, (_, i) => pick([0, 1, 1], i));
    case 'UINT8':
      return Uint8Array.from({ length: count }, (_, i) => pick([0, 1, 127, 128, 255], i));
    case 'INT8':
      return Int8Array.from({ length: count }, (_, i) => pick([-128, -1, 0, 1, 127], i));
    case 'UINT16':
      return Uint16Array.from({ length: count }, (_, i) => pick([0, 1, 65535, 32768], i));
    case 'INT16':
      return Int16Array.from({ length: count }, (_, i) => pick([-32768, -1, 0, 32767], i));
    case 'FP16': // raw half bits: 1, -2, +Inf, a NaN with payload, -0, the smallest subnormal
      return Uint16Array.from({ length: count }, (_, i) => pick([0x3c00, 0xc000, 0x7c00, 0x7e01, 0x8000, 0x0001], i));
    case 'UINT32':
      return Uint32Array.from({ length: count }, (_, i) => pick([0, 1, 4294967295, 2147483648], i));
    case 'INT32':
      return Int32Array.from({ length: count }, (_, i) => pick([-2147483648, -1, 0, 2147483647], i));
    case 'UINT64':
      return BigUint64Array.from({ length: count }, (_, i) => pick([0n, 1n, 2n ** 64n - 1n, 2n ** 53n + 1n], i));
    case 'INT64':
      return BigInt64Array.from({ length: count }, (_, i) => pick([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n, 2n ** 60n + 1n], i));
    case 'FP32': {
      const out = Float32Array.from({ length: count }, (_, i) => pick([0.1, -0, 3.4028234663852886e38, -1e-45, Infinity], i));
      if (count > 2) new Uint32Array(out.buffer)[2] = 0x7fc00123; // a NaN with a payload: must survive bit for bit
      return out;
    }
    case 'FP64':
      return Float64Array.from({ length: count }, (_, i) => pick([0.1, -0, Number.MAX_VALUE, 5e-324, NaN, -Infinity], i));
    case 'BYTES':
      return Array.from({ length: count }, (_, i) => pick(['', 'a', 'héllo', '\u0000', '🙂 emoji'], i) + String(seed));
  }
}

function tensor(datatype: Datatype, shape: number[], seed: number, name = 'x'): Tensor {
  return { name, datatype, shape, data: values(datatype, elementCount(shape), seed) };
}

/** The elements as comparable bytes (typed arrays) or strings, so NaN payloads and -0 are compared exactly. */
function bits(data: TensorData): string[] | Uint8Array {
  if (Array.isArray(data)) return data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function assertSameTensor(actual: Tensor, expected: Tensor): void {
  assert.equal(actual.name, expected.name);
  assert.equal(actual.datatype, expected.datatype);
  assert.deepEqual([...actual.shape], [...expected.shape]);
  assert.equal(actual.data.constructor, expected.data.constructor, 'same array kind');
  assert.deepEqual(bits(actual.data), bits(expected.data));
}

const TRAILING: number[][] = [[], [3], [2, 4]];

describe('concatRows and splitRows: every datatype, ranks 1 to 3', () => {
  for (const datatype of DATATYPES) {
    for (const rest of TRAILING) {
      test(`${datatype} [n${rest.map((d) => `,${d}`).join('')}]`, () => {
        const rows = [1, 3, 0, 2];
        const parts = rows.map((r, i) => tensor(datatype, [r, ...rest], i + 1));
        const joined = concatRows(parts);
        assert.deepEqual([...joined.shape], [6, ...rest]);
        assert.equal(joined.datatype, datatype);
        assert.equal(joined.data.length, 6 * rowStride([6, ...rest]));
        assert.equal(joined.data.constructor, parts[0]!.data.constructor);
        // The joined elements are the parts' elements in order, bit for bit.
        const expected = parts.flatMap((p) => (Array.isArray(bits(p.data)) ? [...(p.data as string[])] : [...bits(p.data)]));
        const got = Array.isArray(bits(joined.data)) ? [...(joined.data as string[])] : [...bits(joined.data)];
        assert.deepEqual(got, expected);
        // Splitting by the same rows gives the parts back.
        const pieces = splitRows(joined, rows);
        assert.ok(pieces);
        assert.equal(pieces.length, parts.length);
        for (let i = 0; i < parts.length; i++) assertSameTensor(pieces[i]!, parts[i]!);
      });
    }
  }
});

describe('concatRows', () => {
  test('one tensor is returned as is, without a copy', () => {
    const t = tensor('FP32', [2, 2], 1);
    assert.equal(concatRows([t]), t);
  });

  test('inputs are not changed and the result owns fresh memory', () => {
    const a = tensor('INT32', [1, 2], 1);
    const b = tensor('INT32', [1, 2], 2);
    const before = [...(a.data as Int32Array)];
    const joined = concatRows([a, b]);
    (joined.data as Int32Array)[0] = 42;
    assert.deepEqual([...(a.data as Int32Array)], before);
  });

  test('refuses tensors that cannot share a batch, with INTERNAL (the batcher groups them apart first)', () => {
    const cases: [Tensor, Tensor][] = [
      [tensor('FP32', [1, 3], 1), tensor('FP32', [1, 4], 1)], // other trailing dimension
      [tensor('FP32', [1, 3], 1), tensor('FP64', [1, 3], 1)], // other datatype
      [tensor('FP32', [1, 3], 1), tensor('FP32', [1, 3], 1, 'y')], // other input
      [tensor('FP32', [1, 3], 1), tensor('FP32', [1, 3, 1], 1)], // other rank
      [tensor('FP32', [], 1), tensor('FP32', [], 2)], // scalars have no rows
    ];
    for (const [a, b] of cases) {
      assert.equal(rowsCompatible(a, b), false);
      assert.throws(
        () => concatRows([a, b]),
        (e: unknown) => isMooringError(e) && e.code === 'INTERNAL',
      );
    }
    assert.throws(() => concatRows([]), (e: unknown) => isMooringError(e) && e.code === 'INTERNAL');
  });

  test('refuses data whose length does not match the shape', () => {
    const bad: Tensor = { name: 'x', datatype: 'FP32', shape: [2, 2], data: new Float32Array(3) };
    assert.throws(() => concatRows([tensor('FP32', [1, 2], 1), bad]), /holds 3 elements/);
  });

  test('the first dimension may differ, the others may not', () => {
    assert.equal(rowsCompatible(tensor('UINT8', [1, 2, 3], 1), tensor('UINT8', [5, 2, 3], 1)), true);
  });
});

describe('splitRows and splitOutputs', () => {
  test('typed-array pieces are views into the batch output (no copy); BYTES pieces are arrays', () => {
    const t = tensor('FP32', [3, 2], 1);
    const [a, b] = splitRows(t, [1, 2])!;
    assert.equal((a!.data as Float32Array).buffer, (t.data as Float32Array).buffer);
    assert.equal((b!.data as Float32Array).byteOffset, 2 * 4);
    const s = splitRows(tensor('BYTES', [3], 1), [2, 1])!;
    assert.deepEqual(s[1]!.data, [(tensor('BYTES', [3], 1).data as string[])[2]]);
  });

  test('null when the first dimension is not the batch', () => {
    assert.equal(splitRows(tensor('FP32', [4, 2], 1), [1, 2]), null);
    assert.equal(splitRows(tensor('FP32', [], 1), [1]), null);
    assert.equal(splitRows({ name: 'x', datatype: 'FP32', shape: [3], data: new Float32Array(2) }, [3]), null);
  });

  test('splitOutputs regroups by request, in output order', () => {
    const y = tensor('FP32', [3, 2], 1, 'y');
    const ids = tensor('INT64', [3], 2, 'ids');
    const split = splitOutputs([y, ids], [2, 1]);
    assert.ok(split.ok);
    assert.equal(split.pieces.length, 2);
    assert.deepEqual(
      split.pieces.map((outs) => outs.map((t) => `${t.name}[${t.shape.join(',')}]`)),
      [
        ['y[2,2]', 'ids[2]'],
        ['y[1,2]', 'ids[1]'],
      ],
    );
    assert.deepEqual([...(split.pieces[1]![1]!.data as BigInt64Array)], [(ids.data as BigInt64Array)[2]]);
  });

  test('splitOutputs names the output that is not batched', () => {
    const split = splitOutputs([tensor('FP32', [3, 2], 1, 'y'), tensor('FP32', [1], 1, 'mean')], [2, 1]);
    assert.equal(split.ok, false);
    assert.match(!split.ok ? split.reason : '', /output "mean" has shape \[1\] for a batch of 3 rows/);
  });
});
