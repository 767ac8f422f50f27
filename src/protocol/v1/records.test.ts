import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Signature, Tensor } from '../../core/inference/tensor.js';
import { decodeRecordsRequest, encodeRecordsResponse } from './records.js';
import { throwsCode } from '../../../test/helpers/assert-code.js';

const wire = (value: unknown): unknown => JSON.parse(typeof value === 'string' ? value : JSON.stringify(value));
const sig = (...inputs: Signature['inputs']): Signature => ({ inputs, outputs: [] });
const one = sig({ name: 'x', datatype: 'FP32', shape: [-1, 3] });
const two = sig({ name: 'a', datatype: 'INT64', shape: [-1, 2] }, { name: 'b', datatype: 'BOOL', shape: [-1] });

describe('decodeRecordsRequest: one input', () => {
  test('instances are rows, stacked into [n, ...row]', () => {
    assert.deepStrictEqual(decodeRecordsRequest(wire({ instances: [[1, 2, 3], [4, 5, 6]] }), one), [
      { name: 'x', datatype: 'FP32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    ]);
  });

  test('scalar rows for a [-1] input; datatypes come from the signature', () => {
    const s = sig({ name: 'id', datatype: 'INT64', shape: [-1] });
    assert.deepStrictEqual(decodeRecordsRequest(wire({ instances: [1, '9007199254740993', -3] }), s), [
      { name: 'id', datatype: 'INT64', shape: [3], data: new BigInt64Array([1n, 9007199254740993n, -3n]) },
    ]);
  });

  test('an instance keyed by the input name is accepted too', () => {
    const [t] = decodeRecordsRequest(wire({ instances: [{ x: [1, 2, 3] }, [4, 5, 6]] }), one);
    assert.deepStrictEqual(t!.data, new Float32Array([1, 2, 3, 4, 5, 6]));
  });

  test('variable row dimensions come from instance 0; every instance must agree', () => {
    const s = sig({ name: 'img', datatype: 'UINT8', shape: [-1, -1, 2] });
    const [t] = decodeRecordsRequest(wire({ instances: [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]] }), s);
    assert.deepStrictEqual(t!.shape, [2, 3, 2]);
    const err = throwsCode(
      () => decodeRecordsRequest(wire({ instances: [[[1, 2], [3, 4]], [[5, 6]]] }), s),
      'SHAPE_MISMATCH',
      /instance 1/,
    );
    assert.equal(err.details?.['instance'], 1);
    throwsCode(() => decodeRecordsRequest(wire({ instances: [[[1, 2], [3, 4]], [[5, 6], [7, 8, 9]]] }), s), 'SHAPE_MISMATCH', /instance 1/);
    throwsCode(() => decodeRecordsRequest(wire({ instances: [[[1, 2]], [[5, [6]]]] }), s), 'SHAPE_MISMATCH', /instance 1/);
  });

  test('rows that do not fit the declared row shape are SHAPE_MISMATCH', () => {
    throwsCode(() => decodeRecordsRequest(wire({ instances: [[1, 2]] }), one), 'SHAPE_MISMATCH', /instance 0/);
    throwsCode(() => decodeRecordsRequest(wire({ instances: [1, 2] }), one), 'SHAPE_MISMATCH', /instance 0/);
    throwsCode(() => decodeRecordsRequest(wire({ instances: [[1, 2, 3], 4] }), one), 'SHAPE_MISMATCH', /instance 1/);
    throwsCode(() => decodeRecordsRequest(wire({ instances: [[[1, 2, 3]]] }), one), 'SHAPE_MISMATCH');
    const scalarRows = sig({ name: 'x', datatype: 'FP32', shape: [-1] });
    throwsCode(() => decodeRecordsRequest(wire({ instances: [1, [2]] }), scalarRows), 'SHAPE_MISMATCH', /instance 1/);
  });

  test('the first dimension must be variable or equal to the number of instances', () => {
    const fixed = sig({ name: 'x', datatype: 'FP32', shape: [2, 1] });
    assert.deepStrictEqual(decodeRecordsRequest(wire({ instances: [[1], [2]] }), fixed)[0]!.shape, [2, 1]);
    throwsCode(() => decodeRecordsRequest(wire({ instances: [[1], [2], [3]] }), fixed), 'SHAPE_MISMATCH', /2 rows.*3 instances/);
    throwsCode(() => decodeRecordsRequest(wire({ instances: [1] }), sig({ name: 's', datatype: 'FP32', shape: [] })), 'SHAPE_MISMATCH', /batch/);
  });

  test('values are checked as in v2, naming the instance', () => {
    const err = throwsCode(() => decodeRecordsRequest(wire({ instances: [[1, 2, 3], [4, 'five', 6]] }), one), 'VALUE_OUT_OF_RANGE', /instance 1/);
    assert.deepStrictEqual(err.details, { input: 'x', instance: 1, index: 1 });
    throwsCode(() => decodeRecordsRequest(wire('{"instances":[[1,2,1e400]]}'), one), 'NON_FINITE_NUMBER', /instance 0/);
    const bytes = sig({ name: 't', datatype: 'UINT8', shape: [-1] });
    throwsCode(() => decodeRecordsRequest(wire({ instances: [1, 300] }), bytes), 'VALUE_OUT_OF_RANGE', /instance 1.*300.*UINT8/);
  });

  test('the body must be {"instances": [non-empty]}', () => {
    for (const b of [null, [], 'x', {}, { instances: [] }, { instances: {} }, { rows: [[1, 2, 3]] }]) {
      throwsCode(() => decodeRecordsRequest(b, one), 'INVALID_REQUEST');
    }
    throwsCode(() => decodeRecordsRequest(Object.create({ instances: [[1, 2, 3]] }), one), 'INVALID_REQUEST');
  });
});

describe('decodeRecordsRequest: several inputs', () => {
  test('instances keyed by input name give one tensor per input, in signature order', () => {
    const tensors = decodeRecordsRequest(wire({ instances: [{ b: true, a: [1, 2] }, { a: ['9007199254740993', -1], b: false }] }), two);
    assert.deepStrictEqual(tensors, [
      { name: 'a', datatype: 'INT64', shape: [2, 2], data: new BigInt64Array([1n, 2n, 9007199254740993n, -1n]) },
      { name: 'b', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    ]);
  });

  test('missing and unknown inputs name the instance', () => {
    const missing = throwsCode(() => decodeRecordsRequest(wire({ instances: [{ a: [1, 2], b: true }, { a: [1, 2] }] }), two), 'MISSING_INPUT', /instance 1.*"b"/);
    assert.deepStrictEqual(missing.details, { instance: 1, input: 'b' });
    const unknown = throwsCode(() => decodeRecordsRequest(wire({ instances: [{ a: [1, 2], b: true, c: 1 }] }), two), 'UNKNOWN_INPUT', /instance 0.*"c"/);
    assert.deepStrictEqual(unknown.details, { instance: 0, input: 'c' });
    throwsCode(() => decodeRecordsRequest(wire('{"instances":[{"a":[1,2],"b":true,"__proto__":{"a":1}}]}'), two), 'UNKNOWN_INPUT', /__proto__/);
    assert.equal(({} as Record<string, unknown>)['a'], undefined);
  });

  test('instances that are not objects are INVALID_REQUEST', () => {
    throwsCode(() => decodeRecordsRequest(wire({ instances: [[1, 2]] }), two), 'INVALID_REQUEST', /instance 0/);
  });
});

describe('encodeRecordsResponse', () => {
  const meta = { modelName: 'm', modelVersion: '2' };
  const y: Tensor = { name: 'y', datatype: 'FP32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) };
  const label: Tensor = { name: 'label', datatype: 'INT64', shape: [2], data: new BigInt64Array([7n, 2n ** 60n]) };

  test('one output: prediction i is row i', () => {
    assert.deepStrictEqual(encodeRecordsResponse([y], meta), { predictions: [[1, 2], [3, 4]], model_name: 'm', model_version: '2' });
    assert.deepStrictEqual(encodeRecordsResponse([label], meta).predictions, [7, '1152921504606846976']);
  });

  test('several outputs: prediction i maps output names to rows', () => {
    assert.deepStrictEqual(encodeRecordsResponse([y, label], meta).predictions, [
      { y: [1, 2], label: 7 },
      { y: [3, 4], label: '1152921504606846976' },
    ]);
  });

  test('an output named __proto__ stays an own key', () => {
    const odd: Tensor = { name: '__proto__', datatype: 'FP32', shape: [2], data: new Float32Array([5, 6]) };
    const [first] = encodeRecordsResponse([y, odd], meta).predictions as Record<string, unknown>[];
    assert.equal(Object.getPrototypeOf(first), Object.prototype);
    assert.ok(Object.hasOwn(first!, '__proto__'));
    assert.equal(JSON.stringify(first), '{"y":[1,2],"__proto__":5}');
  });

  test('NaN is NON_FINITE_OUTPUT; outputs without a shared first dimension are NOT_IMPLEMENTED', () => {
    throwsCode(() => encodeRecordsResponse([{ ...y, data: new Float32Array([1, NaN, 3, 4]) }], meta), 'NON_FINITE_OUTPUT');
    throwsCode(() => encodeRecordsResponse([y, { ...label, shape: [1], data: new BigInt64Array([1n]) }], meta), 'NOT_IMPLEMENTED');
    throwsCode(() => encodeRecordsResponse([y, { ...label, shape: [], data: new BigInt64Array([1n]) }], meta), 'NOT_IMPLEMENTED');
  });

  test('records in, predictions out: the shapes line up', () => {
    const [x] = decodeRecordsRequest(wire({ instances: [[1, 2, 3], [4, 5, 6]] }), one);
    assert.deepStrictEqual(encodeRecordsResponse([{ ...x!, name: 'echo' }], meta).predictions, [[1, 2, 3], [4, 5, 6]]);
  });
});
