import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DATATYPE_INFO, FP32_MAX } from '../core/inference/datatypes.js';
import { DATATYPES } from '../core/inference/tensor.js';
import type { Datatype, Tensor, TensorData } from '../core/inference/tensor.js';
import { DEFAULT_DECODE_LIMITS, jsonToTensorData, tensorRowsToJson, tensorToJson } from './json-tensor.js';
import type { DecodeLimits } from './json-tensor.js';
import { throwsCode } from '../../test/helpers/assert-code.js';

const decode = (values: unknown, datatype: Datatype, shape: number[], limits: DecodeLimits = DEFAULT_DECODE_LIMITS): TensorData =>
  jsonToTensorData(values, datatype, shape, 'input "x"', limits, 'x');

/** Parses JSON text, as the HTTP layer does, so rounding and 1e400 behave as on the wire. */
const wire = (text: string): unknown => JSON.parse(text);

describe('jsonToTensorData: every datatype', () => {
  const cases: [Datatype, unknown[], TensorData][] = [
    ['BOOL', [true, false, true], new Uint8Array([1, 0, 1])],
    ['UINT8', [0, 255, 7], new Uint8Array([0, 255, 7])],
    ['UINT16', [0, 65535, 7], new Uint16Array([0, 65535, 7])],
    ['UINT32', [0, 4294967295, 7], new Uint32Array([0, 4294967295, 7])],
    ['UINT64', [0, '18446744073709551615', 9007199254740991], new BigUint64Array([0n, 18446744073709551615n, 9007199254740991n])],
    ['INT8', [-128, 127, 0], new Int8Array([-128, 127, 0])],
    ['INT16', [-32768, 32767, 0], new Int16Array([-32768, 32767, 0])],
    ['INT32', [-2147483648, 2147483647, 0], new Int32Array([-2147483648, 2147483647, 0])],
    ['INT64', [-9007199254740991, '-9223372036854775808', '9223372036854775807'], new BigInt64Array([-9007199254740991n, -(2n ** 63n), 2n ** 63n - 1n])],
    ['FP16', [1, 0.1, 65504], new Uint16Array([0x3c00, 0x2e66, 0x7bff])],
    ['FP32', [1.5, -2, FP32_MAX], new Float32Array([1.5, -2, FP32_MAX])],
    ['FP64', [0.1, -1e308, 5e-324], new Float64Array([0.1, -1e308, 5e-324])],
    ['BYTES', ['a', '', 'ünïcødé'], ['a', '', 'ünïcødé']],
  ];
  for (const [datatype, values, expected] of cases) {
    test(`${datatype}: decodes flat and nested data into ${expected.constructor.name}`, () => {
      assert.deepStrictEqual(decode(values, datatype, [3]), expected);
      assert.deepStrictEqual(decode([values], datatype, [1, 3]), expected);
      assert.deepStrictEqual(decode(values.map((v) => [v]), datatype, [3, 1]), expected);
    });
  }
  test('every datatype is covered', () => assert.deepStrictEqual(cases.map((c) => c[0]).sort(), [...DATATYPES].sort()));
});

describe('jsonToTensorData: structure', () => {
  test('flat, fully nested and partly nested data all fit', () => {
    const expected = new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepStrictEqual(decode([1, 2, 3, 4, 5, 6, 7, 8], 'INT32', [2, 2, 2]), expected);
    assert.deepStrictEqual(decode([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], 'INT32', [2, 2, 2]), expected);
    assert.deepStrictEqual(decode([[1, 2, 3, 4], [5, 6, 7, 8]], 'INT32', [2, 2, 2]), expected);
  });

  test('scalars and empty tensors', () => {
    assert.deepStrictEqual(decode([7], 'FP32', []), new Float32Array([7]));
    assert.deepStrictEqual(decode([], 'FP32', [0, 3]), new Float32Array(0));
    assert.deepStrictEqual(decode([[], []], 'FP32', [2, 0]), new Float32Array(0));
    throwsCode(() => decode([[7]], 'FP32', []), 'SHAPE_MISMATCH');
  });

  test('element count must equal the product of the shape; the message names both', () => {
    const err = throwsCode(() => decode([1, 2, 3, 4, 5], 'FP32', [2, 3]), 'SHAPE_MISMATCH', /6 elements.*5/);
    assert.equal(err.details?.['input'], 'x');
    throwsCode(() => decode([1, 2, 3, 4, 5, 6, 7], 'FP32', [2, 3]), 'SHAPE_MISMATCH', /6.*7/);
  });

  test('nested structure must agree with the shape', () => {
    throwsCode(() => decode([[1, 2, 3], [4, 5]], 'FP32', [2, 3]), 'SHAPE_MISMATCH', /at \[1\]/);
    throwsCode(() => decode([[1, 2, 3]], 'FP32', [2, 3]), 'SHAPE_MISMATCH');
    throwsCode(() => decode([[1, 2, 3], 4], 'FP32', [2, 3]), 'SHAPE_MISMATCH');
    throwsCode(() => decode([1, [2], 3, 4], 'FP32', [4]), 'SHAPE_MISMATCH', /element 1 is an array/);
    throwsCode(() => decode([[1, 2], [3, [4]]], 'FP32', [2, 2]), 'SHAPE_MISMATCH');
    throwsCode(() => decode([[[1]], [[2]]], 'FP32', [2, 1]), 'SHAPE_MISMATCH', /nested deeper/);
    throwsCode(() => decode([[], [1]], 'FP32', [2, 1]), 'SHAPE_MISMATCH');
  });

  test('data nested 100,000 deep is refused with SHAPE_MISMATCH, not a stack overflow', () => {
    let deep: unknown = [1];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    throwsCode(() => decode(deep, 'FP32', [1]), 'SHAPE_MISMATCH');
    throwsCode(() => decode(deep, 'FP32', [1, 1, 1]), 'SHAPE_MISMATCH');
    // The same depth with a matching rank decodes: the walk is iterative.
    const shape = new Array<number>(100_001).fill(1);
    assert.deepStrictEqual(decode(deep, 'FP32', shape), new Float32Array([1]));
  });

  test('data must be an array; shape entries must be whole numbers >= 0', () => {
    throwsCode(() => decode(5, 'FP32', []), 'INVALID_REQUEST');
    throwsCode(() => decode({ 0: 1 }, 'FP32', [1]), 'INVALID_REQUEST');
    throwsCode(() => decode([1], 'FP32', [-1]), 'SHAPE_MISMATCH');
    throwsCode(() => decode([1], 'FP32', [0.5]), 'SHAPE_MISMATCH');
  });

  test('more than maxElements is refused before anything is allocated', () => {
    const limits = { maxStringLength: 10, maxElements: 4 };
    throwsCode(() => decode([1, 2, 3, 4, 5], 'FP32', [5], limits), 'INVALID_REQUEST', /too many elements/);
    assert.deepStrictEqual(decode([1, 2, 3, 4], 'FP32', [4], limits), new Float32Array([1, 2, 3, 4]));
    throwsCode(() => decode([], 'FP64', [1e9, 1e9]), 'INVALID_REQUEST', /too many elements/);
  });
});

describe('jsonToTensorData: element checks', () => {
  test('BOOL takes only true and false', () => {
    for (const v of [1, 0, 'true', null]) throwsCode(() => decode([v], 'BOOL', [1]), 'VALUE_OUT_OF_RANGE');
  });

  test('integer types take whole numbers within their range, naming value and type', () => {
    throwsCode(() => decode([256], 'UINT8', [1]), 'VALUE_OUT_OF_RANGE', /256.*UINT8/);
    throwsCode(() => decode([-1], 'UINT16', [1]), 'VALUE_OUT_OF_RANGE', /-1.*UINT16/);
    throwsCode(() => decode([4294967296], 'UINT32', [1]), 'VALUE_OUT_OF_RANGE', /UINT32/);
    throwsCode(() => decode([-129], 'INT8', [1]), 'VALUE_OUT_OF_RANGE', /INT8/);
    throwsCode(() => decode([32768], 'INT16', [1]), 'VALUE_OUT_OF_RANGE', /INT16/);
    throwsCode(() => decode([1.5], 'INT32', [1]), 'VALUE_OUT_OF_RANGE', /1\.5.*whole number/);
    throwsCode(() => decode(['5'], 'INT32', [1]), 'VALUE_OUT_OF_RANGE');
    throwsCode(() => decode([null], 'INT32', [1]), 'VALUE_OUT_OF_RANGE');
    throwsCode(() => decode([true], 'UINT8', [1]), 'VALUE_OUT_OF_RANGE');
    throwsCode(() => decode(wire('[1e400]'), 'INT32', [1]), 'NON_FINITE_NUMBER');
  });

  test('details carry the input and the row-major index', () => {
    const err = throwsCode(() => decode([[1, 2], [3, 300]], 'UINT8', [2, 2]), 'VALUE_OUT_OF_RANGE', /^input "x": element 3/);
    assert.deepStrictEqual(err.details, { input: 'x', index: 3 });
  });

  test('INT64 edge cases', () => {
    assert.deepStrictEqual(decode([2 ** 53 - 1, -(2 ** 53 - 1)], 'INT64', [2]), new BigInt64Array([2n ** 53n - 1n, -(2n ** 53n - 1n)]));
    assert.deepStrictEqual(decode(['9007199254740993', '-42', '0'], 'INT64', [3]), new BigInt64Array([9007199254740993n, -42n, 0n]));
    // JSON.parse has already rounded 9007199254740993 to 2^53: refuse it and say to send a string.
    throwsCode(() => decode(wire('[9007199254740993]'), 'INT64', [1]), 'VALUE_OUT_OF_RANGE', /decimal strings/);
    throwsCode(() => decode([2 ** 53], 'INT64', [1]), 'VALUE_OUT_OF_RANGE', /string/);
    throwsCode(() => decode([-(2 ** 53)], 'INT64', [1]), 'VALUE_OUT_OF_RANGE', /string/);
    throwsCode(() => decode([1e20], 'INT64', [1]), 'VALUE_OUT_OF_RANGE');
    throwsCode(() => decode(['9223372036854775808'], 'INT64', [1]), 'VALUE_OUT_OF_RANGE', /INT64 range/);
    throwsCode(() => decode(['-9223372036854775809'], 'INT64', [1]), 'VALUE_OUT_OF_RANGE', /INT64 range/);
    for (const s of ['1e3', '1.0', ' 1', '+1', '', '0x10', '123456789012345678901']) {
      throwsCode(() => decode([s], 'INT64', [1]), 'VALUE_OUT_OF_RANGE');
    }
    throwsCode(() => decode([1.5], 'INT64', [1]), 'VALUE_OUT_OF_RANGE', /whole number/);
    throwsCode(() => decode(wire('[1e400]'), 'INT64', [1]), 'NON_FINITE_NUMBER');
    throwsCode(() => decode([true], 'INT64', [1]), 'VALUE_OUT_OF_RANGE');
  });

  test('UINT64 edge cases', () => {
    assert.deepStrictEqual(decode(['18446744073709551615', 5], 'UINT64', [2]), new BigUint64Array([2n ** 64n - 1n, 5n]));
    throwsCode(() => decode([-1], 'UINT64', [1]), 'VALUE_OUT_OF_RANGE', /UINT64/);
    throwsCode(() => decode(['-1'], 'UINT64', [1]), 'VALUE_OUT_OF_RANGE', /UINT64/);
    throwsCode(() => decode(['18446744073709551616'], 'UINT64', [1]), 'VALUE_OUT_OF_RANGE', /UINT64/);
  });

  test('floating point: 1e400 and NaN are NON_FINITE_NUMBER', () => {
    for (const dt of ['FP16', 'FP32', 'FP64'] as const) {
      throwsCode(() => decode(wire('[1, 1e400]'), dt, [2]), 'NON_FINITE_NUMBER', /element 1/);
      throwsCode(() => decode(wire('[-1e400]'), dt, [1]), 'NON_FINITE_NUMBER');
      throwsCode(() => decode([NaN], dt, [1]), 'NON_FINITE_NUMBER');
      throwsCode(() => decode(['1.0'], dt, [1]), 'VALUE_OUT_OF_RANGE');
      throwsCode(() => decode([null], dt, [1]), 'VALUE_OUT_OF_RANGE');
    }
  });

  test('FP32: values that would overflow to Infinity are NON_FINITE_NUMBER; those that round to FP32_MAX are kept', () => {
    throwsCode(() => decode([1e39], 'FP32', [1]), 'NON_FINITE_NUMBER', /FP32/);
    throwsCode(() => decode([-3.5e38], 'FP32', [1]), 'NON_FINITE_NUMBER');
    throwsCode(() => decode([2 ** 128 - 2 ** 103], 'FP32', [1]), 'NON_FINITE_NUMBER');
    // numpy prints float32's max as 3.4028235e+38, a hair above FP32_MAX; it rounds to FP32_MAX, not Infinity.
    assert.deepStrictEqual(decode([3.4028235e38, -3.4028235e38], 'FP32', [2]), new Float32Array([FP32_MAX, -FP32_MAX]));
    assert.deepStrictEqual(decode([1e308], 'FP64', [1]), new Float64Array([1e308]));
  });

  test('FP16: beyond the range is VALUE_OUT_OF_RANGE; in range rounds to nearest even with subnormals', () => {
    throwsCode(() => decode([65520], 'FP16', [1]), 'VALUE_OUT_OF_RANGE', /FP16/);
    throwsCode(() => decode([-70000], 'FP16', [1]), 'VALUE_OUT_OF_RANGE', /FP16/);
    assert.deepStrictEqual(
      decode([65504, 65519, 2 ** -24, 2 ** -25, -0.1, 1 + 2 ** -11], 'FP16', [6]),
      new Uint16Array([0x7bff, 0x7bff, 0x0001, 0x0000, 0xae66, 0x3c00]),
    );
  });

  test('BYTES: strings up to maxStringLength', () => {
    const limits = { maxStringLength: 3, maxElements: 100 };
    assert.deepStrictEqual(decode(['abc', ''], 'BYTES', [2], limits), ['abc', '']);
    throwsCode(() => decode(['abcd'], 'BYTES', [1], limits), 'VALUE_OUT_OF_RANGE', /4 characters.*3/);
    for (const v of [5, null, true, { a: 1 }]) throwsCode(() => decode([v], 'BYTES', [1]), 'VALUE_OUT_OF_RANGE');
  });
});

describe('tensorToJson / tensorRowsToJson', () => {
  const t = (datatype: Datatype, shape: number[], data: TensorData): Tensor => ({ name: 'y', datatype, shape, data });

  test('every datatype encodes to JSON-ready values', () => {
    assert.deepStrictEqual(tensorToJson(t('BOOL', [2], new Uint8Array([1, 0]))), [true, false]);
    assert.deepStrictEqual(tensorToJson(t('UINT8', [2], new Uint8Array([0, 255]))), [0, 255]);
    assert.deepStrictEqual(tensorToJson(t('UINT16', [1], new Uint16Array([65535]))), [65535]);
    assert.deepStrictEqual(tensorToJson(t('UINT32', [1], new Uint32Array([4294967295]))), [4294967295]);
    assert.deepStrictEqual(tensorToJson(t('INT8', [1], new Int8Array([-128]))), [-128]);
    assert.deepStrictEqual(tensorToJson(t('INT16', [1], new Int16Array([-32768]))), [-32768]);
    assert.deepStrictEqual(tensorToJson(t('INT32', [1], new Int32Array([-5]))), [-5]);
    assert.deepStrictEqual(
      tensorToJson(t('INT64', [4], new BigInt64Array([2n ** 53n - 1n, 2n ** 53n, -(2n ** 63n), -7n]))),
      [9007199254740991, '9007199254740992', '-9223372036854775808', -7],
    );
    assert.deepStrictEqual(tensorToJson(t('UINT64', [2], new BigUint64Array([2n ** 64n - 1n, 3n]))), ['18446744073709551615', 3]);
    assert.deepStrictEqual(tensorToJson(t('FP16', [3], new Uint16Array([0x3c00, 0x2e66, 0x0001]))), [1, 0.0999755859375, 2 ** -24]);
    assert.deepStrictEqual(tensorToJson(t('FP32', [2], new Float32Array([0.5, -2]))), [0.5, -2]);
    assert.deepStrictEqual(tensorToJson(t('FP64', [1], new Float64Array([0.1]))), [0.1]);
    assert.deepStrictEqual(tensorToJson(t('BYTES', [2], ['a', 'b'])), ['a', 'b']);
  });

  test('NaN or Infinity in an output is NON_FINITE_OUTPUT naming output and index, never null', () => {
    const err = throwsCode(() => tensorToJson(t('FP32', [3], new Float32Array([1, 2, NaN]))), 'NON_FINITE_OUTPUT', /"y".*element 2/);
    assert.deepStrictEqual(err.details, { output: 'y', index: 2 });
    throwsCode(() => tensorToJson(t('FP64', [1], new Float64Array([Infinity]))), 'NON_FINITE_OUTPUT');
    throwsCode(() => tensorToJson(t('FP16', [2], new Uint16Array([0x3c00, 0xfc00]))), 'NON_FINITE_OUTPUT');
    throwsCode(() => tensorRowsToJson(t('FP32', [1, 1], new Float32Array([NaN]))), 'NON_FINITE_OUTPUT');
  });

  test('data that disagrees with the shape is INTERNAL', () => {
    throwsCode(() => tensorToJson(t('FP32', [3], new Float32Array(2))), 'INTERNAL');
  });

  test('rows split along the first dimension, nested to the row shape', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepStrictEqual(tensorRowsToJson(t('FP32', [8], data)), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepStrictEqual(tensorRowsToJson(t('FP32', [2, 4], data)), [[1, 2, 3, 4], [5, 6, 7, 8]]);
    assert.deepStrictEqual(tensorRowsToJson(t('FP32', [2, 2, 2], data)), [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    assert.deepStrictEqual(tensorRowsToJson(t('FP32', [], new Float32Array([9]))), [9]);
    assert.deepStrictEqual(tensorRowsToJson(t('FP32', [2, 0], new Float32Array(0))), [[], []]);
    assert.deepStrictEqual(tensorRowsToJson(t('FP32', [0, 3], new Float32Array(0))), []);
  });
});

/** A random valid tensor of any datatype and a small shape (dimensions may be 0). */
function tensorArbitrary(): fc.Arbitrary<Tensor> {
  return fc
    .tuple(fc.constantFrom(...DATATYPES), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }))
    .chain(([datatype, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return fc.array(elementArbitrary(datatype), { minLength: n, maxLength: n }).map((values): Tensor => ({
        name: 'x',
        datatype,
        shape,
        data: toData(datatype, values),
      }));
    });
}

function elementArbitrary(datatype: Datatype): fc.Arbitrary<unknown> {
  const info = DATATYPE_INFO[datatype];
  switch (datatype) {
    case 'BOOL':
      return fc.constantFrom(0, 1);
    case 'INT64':
    case 'UINT64':
      return fc.bigInt({ min: info.bigMin!, max: info.bigMax! });
    // -0 is left out: JSON has no negative zero (JSON.stringify(-0) is "0").
    case 'FP16':
      return fc.integer({ min: 0, max: 0xffff }).filter((b) => (b & 0x7c00) !== 0x7c00 && b !== 0x8000);
    case 'FP32':
      return fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0);
    case 'FP64':
      return fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0);
    case 'BYTES':
      return fc.string({ unit: 'binary', maxLength: 12 });
    default:
      return fc.integer({ min: info.min!, max: info.max! });
  }
}

function toData(datatype: Datatype, values: unknown[]): TensorData {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return Uint8Array.from(values as number[]);
    case 'INT8':
      return Int8Array.from(values as number[]);
    case 'UINT16':
    case 'FP16':
      return Uint16Array.from(values as number[]);
    case 'INT16':
      return Int16Array.from(values as number[]);
    case 'UINT32':
      return Uint32Array.from(values as number[]);
    case 'INT32':
      return Int32Array.from(values as number[]);
    case 'UINT64':
      return BigUint64Array.from(values as bigint[]);
    case 'INT64':
      return BigInt64Array.from(values as bigint[]);
    case 'FP32':
      return Float32Array.from(values as number[]);
    case 'FP64':
      return Float64Array.from(values as number[]);
    case 'BYTES':
      return values as string[];
  }
}

describe('property: decode(encode(x)) equals x', () => {
  test('flat data, through JSON text', () => {
    fc.assert(
      fc.property(tensorArbitrary(), (x) => {
        const back = decode(wire(JSON.stringify(tensorToJson(x))), x.datatype, [...x.shape]);
        assert.deepStrictEqual(back, x.data);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  test('rows (nested data), through JSON text', () => {
    fc.assert(
      fc.property(tensorArbitrary(), (x) => {
        const back = decode(wire(JSON.stringify(tensorRowsToJson(x))), x.datatype, [...x.shape]);
        assert.deepStrictEqual(back, x.data);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
