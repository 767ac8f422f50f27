import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxModelRuntime } from '../runtime/onnx/onnx-model-runtime.js';
import {
  DEMO_FEATURE_NAMES,
  buildDemoModel,
  demoChurnLogit,
  demoDataset,
  demoExample,
  demoFeatureVector,
} from './demo-model.js';

describe('demo churn model', () => {
  const demo = buildDemoModel();

  test('is deterministic: the same bytes and metrics every time', () => {
    const again = buildDemoModel();
    assert.deepEqual(again.bytes, demo.bytes);
    assert.deepEqual(again.metrics, demo.metrics);
    assert.equal(again.trainedAt, Date.UTC(2026, 10, 1));
  });

  test('learns the synthetic world: held-out AUC well above chance, sane accuracy and log loss', () => {
    assert.ok(demo.metrics.auc > 0.75, `auc ${demo.metrics.auc}`);
    assert.ok(demo.metrics.accuracy > 0.7, `accuracy ${demo.metrics.accuracy}`);
    assert.ok(demo.metrics.log_loss < Math.log(2), `log loss ${demo.metrics.log_loss}`);
  });

  test('describes itself for the registry', () => {
    assert.equal(demo.name, 'churn');
    assert.deepEqual(demo.featureNames, [...DEMO_FEATURE_NAMES]);
    assert.equal(demo.datasetVersion, 'synthetic-churn-v1');
    assert.equal(demo.source, 'mooring/src/demo/demo-model.ts');
    for (const key of ['learning_rate', 'epochs', 'l2']) assert.equal(typeof demo.params[key], 'string');
    assert.ok(demo.description.length > 0);
  });

  test('the data set is seeded, in range and realistic', () => {
    const rows = demoDataset(1000, 42);
    assert.deepEqual(demoDataset(1000, 42), rows);
    assert.notDeepEqual(demoDataset(1000, 43), rows);
    for (const r of rows) {
      assert.ok(Number.isInteger(r.tenure_months) && r.tenure_months >= 0 && r.tenure_months <= 72);
      assert.ok(r.monthly_charges >= 18 && r.monthly_charges <= 120);
      assert.equal(Math.round(r.monthly_charges * 100) / 100, r.monthly_charges);
      assert.ok(Number.isInteger(r.support_calls) && r.support_calls >= 0 && r.support_calls <= 10);
      assert.ok([1, 12, 24].includes(r.contract_months));
    }
    const rate = rows.filter((r) => r.churned).length / rows.length;
    assert.ok(rate > 0.1 && rate < 0.5, `churn rate ${rate}`);
  });

  test('infers through OnnxModelRuntime: probabilities follow the true risk and labels match them', async () => {
    const runtime = new OnnxModelRuntime();
    const info = await runtime.inspect(demo.bytes);
    assert.deepEqual(info.signature, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'probability', datatype: 'FP32', shape: [-1, 1] },
        { name: 'label', datatype: 'BOOL', shape: [-1, 1] },
      ],
    });
    const safe = { tenure_months: 70, monthly_charges: 25, support_calls: 0, contract_months: 24 };
    const risky = demoExample();
    assert.ok(demoChurnLogit(risky) > demoChurnLogit(safe));
    const model = await runtime.load(demo.bytes);
    try {
      const rows = [demoFeatureVector(safe), demoFeatureVector(risky)];
      const [probability, label] = await model.infer([
        { name: 'features', datatype: 'FP32', shape: [2, 4], data: Float32Array.from(rows.flat()) },
      ]);
      const p = probability!.data as Float32Array;
      assert.ok(p[0]! < 0.2 && p[1]! > 0.5, `probabilities ${p[0]}, ${p[1]}`);
      assert.deepEqual([...(label!.data as Uint8Array)], [p[0]! > 0.5 ? 1 : 0, p[1]! > 0.5 ? 1 : 0]);

      // the graph (standardization inside) reproduces the accuracy measured in JS at training time
      const holdout = demoDataset(Number(demo.params.holdout_rows), Number(demo.params.holdout_seed));
      const [, labels] = await model.infer([
        { name: 'features', datatype: 'FP32', shape: [holdout.length, 4], data: Float32Array.from(holdout.flatMap(demoFeatureVector)) },
      ]);
      const flags = labels!.data as Uint8Array;
      const accuracy = holdout.filter((r, i) => (flags[i] === 1) === r.churned).length / holdout.length;
      assert.ok(Math.abs(accuracy - demo.metrics.accuracy) <= 0.004, `onnx accuracy ${accuracy} vs ${demo.metrics.accuracy}`);
    } finally {
      await model.dispose();
    }
  });
});
