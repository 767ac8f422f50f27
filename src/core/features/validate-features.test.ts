import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MooringError } from '../errors.js';
import type { Datatype, Signature } from '../inference/tensor.js';
import type { FeatureSignature, FeatureSpec } from './feature-spec.js';
import { MAX_CATEGORIES, MAX_FEATURE_NAME, validateFeatures } from './validate-features.js';

const model = (shape: number[], datatype: Datatype = 'FP32', inputs = 1): Signature => ({
  inputs: Array.from({ length: inputs }, (_, i) => ({ name: i === 0 ? 'x' : `x${i}`, datatype, shape })),
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
});

const age: FeatureSpec = { name: 'age', type: 'numerical', encoding: { kind: 'value' } };
const city: FeatureSpec = { name: 'city', type: 'categorical', encoding: { kind: 'onehot', categories: ['ny', 'sf', 'la'] } };
const plan: FeatureSpec = { name: 'plan', type: 'categorical', encoding: { kind: 'index', categories: ['free', 'pro'] } };
const sig = (...features: FeatureSpec[]): FeatureSignature => ({ input: 'x', features });

function refuses(value: unknown, signature: Signature, mentions: RegExp): void {
  assert.throws(
    () => validateFeatures(value, signature),
    (e: unknown) => {
      assert.ok(e instanceof MooringError, String(e));
      assert.equal(e.code, 'INVALID_FEATURES');
      assert.match(e.message, mentions);
      return true;
    },
  );
}

describe('validateFeatures', () => {
  test('accepts features whose packed width is the input width, or any width for [-1, -1]', () => {
    const features = sig(age, city, plan);
    assert.deepEqual(validateFeatures(features, model([-1, 5])), features);
    assert.deepEqual(validateFeatures(features, model([-1, -1])), features);
    assert.deepEqual(validateFeatures(features, model([8, 5], 'FP64')), features);
    assert.deepEqual(validateFeatures(sig(age, city), model([-1, 4], 'UINT8')), sig(age, city), 'onehot and values fit unsigned');
  });

  test('returns a clean copy: the caller cannot change what is stored afterwards', () => {
    const input = sig(age, { ...city, encoding: { kind: 'onehot', categories: ['ny', 'sf', 'la'] } });
    const out = validateFeatures(input, model([-1, 4]));
    (input.features[1]!.encoding as unknown as { categories: string[] }).categories.push('sd');
    assert.deepEqual(out.features[1]!.encoding, { kind: 'onehot', categories: ['ny', 'sf', 'la'] });
  });

  test('refuses a model that is not one numeric rank-2 input of the packed width', () => {
    refuses(sig(age), model([-1, 1], 'FP32', 2), /exactly one input; this model has 2 \("x", "x1"\)/);
    refuses(sig(age), model([-1]), /rank-2 input .* shape \[-1\] \(rank 1\)/);
    refuses(sig(age), model([-1, 1, 1]), /rank 3/);
    refuses(sig(age), model([-1, 1], 'BYTES'), /numeric input; input "x" is BYTES/);
    refuses(sig(age), model([-1, 1], 'BOOL'), /is BOOL/);
    refuses(sig(age, city), model([-1, 3]), /pack into 4 columns but input "x" has 3 \(shape \[-1, 3\]\)/);
    refuses({ input: 'z', features: [age] }, model([-1, 1]), /input "z" is not the model's input; its one input is "x"/);
  });

  test('refuses what the packer could not write into the datatype', () => {
    refuses(sig(plan), model([-1, 1], 'UINT8'), /"plan" is index-encoded .* UINT8 cannot hold/);
    refuses(sig({ ...age, nullable: true }), model([-1, 1], 'INT32'), /"age" is nullable .* INT32 cannot hold/);
    const many = Array.from({ length: 200 }, (_, i) => `c${i}`);
    refuses(sig({ name: 'k', type: 'categorical', encoding: { kind: 'index', categories: many } }), model([-1, 1], 'INT8'), /200 categories; INT8/);
    assert.ok(validateFeatures(sig({ ...age, nullable: true }), model([-1, 1], 'FP16')));
  });

  test('refuses bad names: empty, too long, duplicated', () => {
    refuses(sig({ ...age, name: '' }), model([-1, 1]), /features\.features\[0\]\.name/);
    refuses(sig({ ...age, name: 'a'.repeat(MAX_FEATURE_NAME + 1) }), model([-1, 1]), /features\.features\[0\]\.name/);
    assert.ok(validateFeatures(sig({ ...age, name: 'a'.repeat(MAX_FEATURE_NAME) }), model([-1, 1])));
    refuses(sig(age, city, { ...age }), model([-1, 5]), /"age" is used twice \(features\[0\] and features\[2\]\)/);
  });

  test('refuses encodings that do not fit the type, and bad category lists', () => {
    refuses(sig({ ...age, encoding: { kind: 'index', categories: ['a'] } }), model([-1, 1]), /numerical, so its encoding must be "value"/);
    refuses(sig({ ...city, encoding: { kind: 'value' } }), model([-1, 1]), /categorical, so its encoding must be "index" or "onehot"/);
    refuses(sig({ ...city, encoding: { kind: 'onehot', categories: [] } }), model([-1, 1]), /categories/);
    refuses(sig({ ...city, encoding: { kind: 'onehot', categories: ['a', 'b', 'a'] } }), model([-1, 3]), /lists the category "a" twice/);
    const tooMany = Array.from({ length: MAX_CATEGORIES + 1 }, (_, i) => `c${i}`);
    refuses(sig({ ...plan, encoding: { kind: 'index', categories: tooMany } }), model([-1, 1]), /categories/);
  });

  test('refuses a malformed declaration, naming the field', () => {
    refuses(null, model([-1, 1]), /invalid features/);
    refuses({ input: 'x', features: [] }, model([-1, 1]), /features\.features/);
    refuses({ input: 'x', features: [{ ...age, colour: 'red' }] }, model([-1, 1]), /colour/);
    refuses({ input: 'x', features: [{ ...age, type: 'ordinal' }] }, model([-1, 1]), /features\.features\[0\]\.type/);
    refuses({ input: 'x', features: [{ ...age, encoding: { kind: 'hash' } }] }, model([-1, 1]), /features\.features\[0\]\.encoding/);
  });
});
