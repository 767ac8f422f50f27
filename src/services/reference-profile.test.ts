import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDemoModel, demoReferenceTable, DEMO_FEATURE_NAMES } from '../demo/demo-model.js';
import { OnnxModelRuntime } from '../runtime/onnx/onnx-model-runtime.js';
import { throwsCode } from '../../test/helpers/assert-code.js';
import { linearModel } from '../../test/fixtures/models.js';
import type { Table } from '../core/profile/table.js';
import { buildReferenceProfile, numericalFeatures, parseFeatureList } from './reference-profile.js';

const runtime = new OnnxModelRuntime();

describe('reference profile', () => {
  it('parses feature lists with encodings', () => {
    assert.deepEqual(parseFeatureList('a, b:onehot,c:index'), [{ name: 'a' }, { name: 'b', encoding: 'onehot' }, { name: 'c', encoding: 'index' }]);
    throwsCode(() => parseFeatureList('a,,b'), 'INVALID_REQUEST');
    throwsCode(() => parseFeatureList('a:hash'), 'INVALID_REQUEST');
  });

  it('profiles the demo training set: features in order, the target, and the model outputs', async () => {
    const demo = buildDemoModel();
    const { features, profile } = await buildReferenceProfile(runtime, demo.bytes, demoReferenceTable(), { target: 'churned', now: 5 });
    assert.deepEqual(features.features.map((f) => f.name), [...DEMO_FEATURE_NAMES]);
    assert.ok(features.features.every((f) => f.type === 'numerical' && f.encoding.kind === 'value'));
    assert.equal(features.input, 'features');
    assert.equal(profile.rows, 2000);
    assert.equal(profile.createdAt, 5);
    assert.equal(profile.target?.type, 'categorical');
    const tenure = profile.features.columns[0]!;
    assert.equal(tenure.type, 'numerical');
    if (tenure.type === 'numerical') assert.ok(tenure.min >= 0 && tenure.max <= 72);
    const byName = new Map(profile.outputs.columns.map((c) => [c.name, c]));
    const p = byName.get('probability');
    const label = byName.get('label');
    assert.equal(p?.type, 'numerical');
    assert.equal(p?.count, 2000);
    if (p?.type === 'numerical') assert.ok(p.min >= 0 && p.max <= 1 && p.mean > 0.05 && p.mean < 0.95);
    assert.equal(label?.type, 'categorical');
    if (label?.type === 'categorical') assert.deepEqual(label.categories.map((c) => c.value).sort(), ['false', 'true']);
  });

  it('one-hot encodes categories when the width fits, index encodes them when only that fits', async () => {
    const lin = linearModel(); // input x [-1, 4]
    const table = (plans: string[]): Table => ({
      rows: 4,
      columns: [
        { name: 'a', kind: 'number', values: [1, 2, 3, 4] },
        { name: 'plan', kind: 'string', values: plans },
        { name: 'b', kind: 'number', values: [1, 2, 3, null] },
      ],
    });
    const onehot = await buildReferenceProfile(runtime, lin.bytes, table(['x', 'y', 'x', 'y']), { now: 0 });
    assert.deepEqual(onehot.features.features[1]!.encoding, { kind: 'onehot', categories: ['x', 'y'] });
    // Three categories one-hot would make 5 columns: index encoding makes 3 (then too few for 4: refused).
    await assert.rejects(buildReferenceProfile(runtime, lin.bytes, table(['x', 'y', 'z', 'y']), { now: 0 }), /columns/);
    // Rows with a missing feature are not run through the model.
    assert.equal(onehot.profile.outputs.rows, 3);
  });

  it('refuses a feature that is not a column, and categorical features without data', async () => {
    const lin = linearModel();
    const t: Table = { rows: 1, columns: [{ name: 'a', kind: 'number', values: [1] }] };
    await assert.rejects(buildReferenceProfile(runtime, lin.bytes, t, { features: [{ name: 'zz' }], now: 0 }), /not a column/);
    const { signature } = await runtime.inspect(lin.bytes);
    throwsCode(() => numericalFeatures(signature, [{ name: 'p', encoding: 'onehot' }]), 'INVALID_REQUEST');
    assert.equal(numericalFeatures(signature, parseFeatureList('a,b,c,d')).features.length, 4);
  });
});
