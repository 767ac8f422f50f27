import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MooringError } from '../../core/errors.js';
import type { Tensor } from '../../core/inference/tensor.js';
import { decodeInferRequest } from './infer-request.js';
import { encodeInferResponse } from './infer-response.js';

const y: Tensor = { name: 'y', datatype: 'FP32', shape: [2, 1], data: new Float32Array([0.5, -1]) };

describe('encodeInferResponse', () => {
  test('exactly the spec keys; id and parameters only when given', () => {
    const plain = encodeInferResponse({ modelName: 'm', modelVersion: '3', outputs: [y] });
    assert.deepStrictEqual(plain, {
      model_name: 'm',
      model_version: '3',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 1], data: [0.5, -1] }],
    });
    assert.deepStrictEqual(Object.keys(plain), ['model_name', 'model_version', 'outputs']);
    const full = encodeInferResponse({ modelName: 'm', modelVersion: '3', id: '42', parameters: { a: 1 }, outputs: [y] });
    assert.deepStrictEqual(Object.keys(full), ['model_name', 'model_version', 'id', 'parameters', 'outputs']);
    assert.equal(full.id, '42');
    assert.deepStrictEqual(full.parameters, { a: 1 });
    assert.deepStrictEqual(Object.keys(encodeInferResponse({ modelName: 'm', modelVersion: '3', id: '', outputs: [] })), [
      'model_name',
      'model_version',
      'id',
      'outputs',
    ]);
    assert.deepStrictEqual(Object.keys(encodeInferResponse({ modelName: 'm', modelVersion: '3', parameters: {}, outputs: [] })), [
      'model_name',
      'model_version',
      'parameters',
      'outputs',
    ]);
  });

  test('every output kind is JSON-ready (FP16 decoded, big INT64 as strings, BOOL as booleans)', () => {
    const body = encodeInferResponse({
      modelName: 'm',
      modelVersion: '1',
      outputs: [
        { name: 'h', datatype: 'FP16', shape: [2], data: new Uint16Array([0x3c00, 0x2e66]) },
        { name: 'i', datatype: 'INT64', shape: [2], data: new BigInt64Array([3n, 2n ** 62n]) },
        { name: 'b', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
        { name: 's', datatype: 'BYTES', shape: [1], data: ['hi'] },
      ],
    });
    assert.deepStrictEqual(
      body.outputs.map((o) => o.data),
      [[1, 0.0999755859375], [3, '4611686018427387904'], [true, false], ['hi']],
    );
    assert.doesNotThrow(() => JSON.stringify(body));
  });

  test('a NaN output is NON_FINITE_OUTPUT, never null', () => {
    assert.throws(
      () => encodeInferResponse({ modelName: 'm', modelVersion: '1', outputs: [{ ...y, data: new Float32Array([1, NaN]) }] }),
      (err: unknown) => err instanceof MooringError && err.code === 'NON_FINITE_OUTPUT' && err.details?.['index'] === 1,
    );
  });

  test('a response body decodes back as request inputs (same JSON tensor form)', () => {
    const body = encodeInferResponse({ modelName: 'm', modelVersion: '1', outputs: [y] });
    const again = decodeInferRequest(JSON.parse(JSON.stringify({ inputs: body.outputs })));
    assert.deepStrictEqual(again.inputs[0]!.data, y.data);
  });
});
