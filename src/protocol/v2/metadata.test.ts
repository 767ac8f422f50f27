import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Signature } from '../../core/inference/tensor.js';
import { encodeInferResponse } from './infer-response.js';
import { encodeError, encodeLive, encodeModelMetadata, encodeModelReady, encodeReady, encodeServerMetadata } from './metadata.js';
import {
  V2_SCHEMAS,
  errorSchema,
  inferenceResponseSchema,
  liveSchema,
  modelMetadataSchema,
  modelReadySchema,
  readySchema,
  serverMetadataSchema,
} from './schemas.js';
import type { JsonSchema } from './schemas.js';

const signature: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [{ name: 'y', datatype: 'INT64', shape: [-1] }],
};

describe('v2 metadata encoders', () => {
  test('server metadata', () => {
    const ext = ['model_repository'];
    const body = encodeServerMetadata({ name: 'mooring', version: '0.1.0', extensions: ext });
    assert.deepStrictEqual(body, { name: 'mooring', version: '0.1.0', extensions: ['model_repository'] });
    assert.notStrictEqual(body.extensions, ext);
  });

  test('model metadata from a signature; versions as strings, omitted when not given', () => {
    const body = encodeModelMetadata({ name: 'm', versions: [1, '2'], platform: 'onnx_onnxv1', signature });
    assert.deepStrictEqual(body, {
      name: 'm',
      versions: ['1', '2'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'INT64', shape: [-1] }],
    });
    assert.notStrictEqual(body.inputs[0]!.shape, signature.inputs[0]!.shape);
    assert.ok(!('versions' in encodeModelMetadata({ name: 'm', platform: 'onnx_onnxv1', signature })));
  });

  test('ready, health and error bodies', () => {
    assert.deepStrictEqual(encodeModelReady('m', true), { name: 'm', ready: true });
    assert.deepStrictEqual(encodeLive(true), { live: true });
    assert.deepStrictEqual(encodeReady(false), { ready: false });
    assert.deepStrictEqual(encodeError('boom'), { error: 'boom' });
    assert.deepStrictEqual(encodeError('no such model', 'MODEL_NOT_FOUND'), { error: 'no such model', code: 'MODEL_NOT_FOUND' });
  });
});

/** A small structural check: required keys present, every key declared, primitive types as declared. */
function conforms(schema: JsonSchema, value: unknown, path = '$'): void {
  const type = schema['type'];
  if (type === 'object') {
    assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${path} is an object`);
    const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
    for (const key of (schema['required'] ?? []) as string[]) assert.ok(key in value, `${path}.${key} is required`);
    for (const [key, v] of Object.entries(value)) {
      assert.ok(key in properties, `${path}.${key} is declared in the schema`);
      conforms(properties[key]!, v, `${path}.${key}`);
    }
  } else if (type === 'array') {
    assert.ok(Array.isArray(value), `${path} is an array`);
    const items = schema['items'] as JsonSchema | undefined;
    if (items && items['type']) value.forEach((v, i) => conforms(items, v, `${path}[${i}]`));
  } else if (type === 'string') {
    assert.equal(typeof value, 'string', path);
    const allowed = schema['enum'] as string[] | undefined;
    if (allowed) assert.ok(allowed.includes(value as string), `${path} is one of the enum`);
  } else if (type === 'boolean') {
    assert.equal(typeof value, 'boolean', path);
  } else if (type === 'integer') {
    assert.ok(Number.isInteger(value), path);
    if (typeof schema['minimum'] === 'number') assert.ok((value as number) >= (schema['minimum'] as number), path);
  }
}

describe('v2 schemas', () => {
  test('every encoder output conforms to its schema', () => {
    conforms(serverMetadataSchema, encodeServerMetadata({ name: 'mooring', version: '1', extensions: [] }));
    conforms(modelMetadataSchema, encodeModelMetadata({ name: 'm', versions: [1], platform: 'onnx_onnxv1', signature }));
    conforms(modelReadySchema, encodeModelReady('m', true));
    conforms(liveSchema, encodeLive(true));
    conforms(readySchema, encodeReady(true));
    conforms(errorSchema, encodeError('x', 'INTERNAL'));
    conforms(
      inferenceResponseSchema,
      encodeInferResponse({
        modelName: 'm',
        modelVersion: '1',
        id: 'a',
        parameters: {},
        outputs: [{ name: 'y', datatype: 'FP32', shape: [1], data: new Float32Array([1]) }],
      }),
    );
  });

  test('schemas are plain JSON (serializable for the OpenAPI document) with no $ref', () => {
    for (const [name, schema] of Object.entries(V2_SCHEMAS)) {
      const text = JSON.stringify(schema);
      assert.deepStrictEqual(JSON.parse(text), schema, name);
      assert.ok(!text.includes('$ref'), name);
    }
  });
});
