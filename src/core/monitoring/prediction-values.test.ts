import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TensorSpec } from '../inference/tensor.js';
import { answeredRows, predictionValues } from './prediction-values.js';

const demoBody = {
  predictions: [
    { probability: [0.83], label: [true] },
    { probability: [0.12], label: [false] },
  ],
  model_name: 'churn',
  model_version: '1',
};

describe('predictionValues: records bodies', () => {
  it('reads the demo model: class from the BOOL output, score and value from the float one', () => {
    assert.deepEqual(predictionValues(demoBody, 0), { predictedClass: 'true', score: 0.83, value: 0.83 });
    assert.deepEqual(predictionValues(demoBody, 1), { predictedClass: 'false', score: 0.12, value: 0.12 });
  });

  it('takes the second column of a two-column probability output (the positive class)', () => {
    const body = { predictions: [{ label: [1], probabilities: [0.3, 0.7] }] };
    const outputs: TensorSpec[] = [
      { name: 'label', datatype: 'INT64', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
    ];
    assert.deepEqual(predictionValues(body, 0, outputs), { predictedClass: '1', score: 0.7, value: 1 });
  });

  it('gives no score for a wider (multi-class) probability output', () => {
    const body = { predictions: [{ label: ['cat'], probabilities: [0.1, 0.2, 0.7] }] };
    assert.deepEqual(predictionValues(body, 0), { predictedClass: 'cat', score: null, value: null });
  });

  it('reads a single-output model whose predictions are rows (regression)', () => {
    const body = { predictions: [[5.5], [7.25]] };
    assert.deepEqual(predictionValues(body, 1), { predictedClass: null, score: 7.25, value: 7.25 });
    assert.deepEqual(predictionValues({ predictions: [3, 4] }, 0), { predictedClass: null, score: 3, value: 3 });
  });

  it('uses the signature for datatypes records do not carry', () => {
    const body = { predictions: [[2], [0]] };
    const ints: TensorSpec[] = [{ name: 'y', datatype: 'INT32', shape: [-1, 1] }];
    assert.deepEqual(predictionValues(body, 0, ints), { predictedClass: '2', score: null, value: 2 });
    // Without it, JSON numbers are taken for floats.
    assert.deepEqual(predictionValues(body, 0), { predictedClass: null, score: 2, value: 2 });
  });

  it('reads string classes (BYTES, or INT64 beyond 2^53 sent as text)', () => {
    assert.equal(predictionValues({ predictions: [{ species: ['setosa'] }] }, 0)?.predictedClass, 'setosa');
  });
});

describe('predictionValues: v2 bodies', () => {
  const body = {
    model_name: 'churn',
    outputs: [
      { name: 'probability', datatype: 'FP32', shape: [3, 1], data: [0.9, 0.2, 0.6] },
      { name: 'label', datatype: 'BOOL', shape: [3, 1], data: [true, false, true] },
    ],
  };

  it('slices row i out of each output by its shape', () => {
    assert.deepEqual(predictionValues(body, 0), { predictedClass: 'true', score: 0.9, value: 0.9 });
    assert.deepEqual(predictionValues(body, 1), { predictedClass: 'false', score: 0.2, value: 0.2 });
    assert.deepEqual(predictionValues(body, 2), { predictedClass: 'true', score: 0.6, value: 0.6 });
    assert.equal(answeredRows(body), 3);
  });

  it('takes the second column of an [n, 2] float output', () => {
    const b = { outputs: [{ name: 'p', datatype: 'FP64', shape: [2, 2], data: [0.1, 0.9, 0.6, 0.4] }] };
    assert.equal(predictionValues(b, 1)?.score, 0.4);
  });

  it('accepts nested data', () => {
    const b = { outputs: [{ name: 'y', datatype: 'INT64', shape: [2, 1], data: [[4], [5]] }] };
    assert.deepEqual(predictionValues(b, 1), { predictedClass: '5', score: null, value: 5 });
  });

  it('skips an output whose data does not hold the row', () => {
    const b = { outputs: [{ name: 'p', datatype: 'FP32', shape: [2, 1], data: [0.5] }, { name: 'l', datatype: 'BOOL', shape: [2], data: [true, false] }] };
    assert.deepEqual(predictionValues(b, 1), { predictedClass: 'false', score: null, value: null });
  });
});

describe('predictionValues: garbage', () => {
  it('returns null for bodies it does not know and rows that are not there', () => {
    for (const body of [null, undefined, 3, 'x', [], {}, { predictions: 'no' }, { outputs: {} }]) {
      assert.equal(predictionValues(body, 0), null, JSON.stringify(body));
    }
    assert.equal(predictionValues(demoBody, 2), null);
    assert.equal(predictionValues(demoBody, -1), null);
    assert.equal(predictionValues(demoBody, 0.5), null);
    assert.equal(predictionValues({ outputs: [{ name: 'p', datatype: 'FP32', shape: [1e12, 1e12], data: [] }] }, 0), null);
  });

  it('ignores non-finite numbers and odd values inside a known body', () => {
    assert.deepEqual(predictionValues({ predictions: [{ p: ['x'], q: [null] }] }, 0), { predictedClass: 'x', score: null, value: null });
    assert.deepEqual(predictionValues({ predictions: [[Number.NaN]] }, 0), { predictedClass: null, score: null, value: null });
  });

  it('never throws, whatever the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: -2, max: 5 }), (body, row) => {
        const v = predictionValues(body, row);
        assert.ok(v === null || typeof v === 'object');
        answeredRows(body);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.anything(), (body) => {
        predictionValues({ predictions: [body], outputs: [body] }, 0);
        predictionValues({ outputs: [body] }, 0);
      }),
      { numRuns: 1000 },
    );
  });
});
