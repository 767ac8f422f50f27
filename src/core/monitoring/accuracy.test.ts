import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { LabelledRow } from './accuracy.js';
import { classificationMetrics, compareClasses, evaluate, labelsPerRow, planEvaluation, positiveClassOf, regressionMetrics, rocAuc } from './accuracy.js';
import type { PredictionValues } from './prediction-values.js';

const cls = (predictedClass: string | null, score: number | null = null): PredictionValues => ({ predictedClass, score, value: score });
const reg = (value: number | null): PredictionValues => ({ predictedClass: null, score: value, value });
const row = (predicted: PredictionValues, label: unknown): LabelledRow => ({ predicted, label });

describe('rocAuc', () => {
  it('counts tied scores one half, like roc_auc_score', () => {
    // sklearn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
    assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [true, false, true, false]), 0.5);
    // one tie across the classes at 0.2 and one at 0.6: (7 + 2 * 0.5) / 9
    assert.equal(rocAuc([0.2, 0.2, 0.6, 0.6, 0.9, 0.1], [false, true, false, true, true, false]), 7 / 9);
  });

  it('is null unless both classes occur, and leaves out non-finite scores', () => {
    assert.equal(rocAuc([0.1, 0.9], [true, true]), null);
    assert.equal(rocAuc([], []), null);
    assert.equal(rocAuc([0.1, Number.NaN, 0.9], [false, true, true]), 1);
    assert.equal(rocAuc([Number.NaN, 0.9], [false, true]), null);
  });

  it('equals the pairwise definition on any input', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()), { minLength: 1, maxLength: 40 }), (pairs) => {
        const scores = pairs.map(([s]) => s / 6);
        const pos = pairs.map(([, y]) => y);
        let wins = 0;
        let np = 0;
        let nn = 0;
        for (let i = 0; i < pairs.length; i++) {
          if (pos[i]) np++;
          else nn++;
          for (let j = 0; j < pairs.length; j++) {
            if (pos[i] && !pos[j]) wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
          }
        }
        const expected = np === 0 || nn === 0 ? null : wins / (np * nn);
        const got = rocAuc(scores, pos);
        if (expected === null) assert.equal(got, null);
        else assert.ok(Math.abs(got! - expected) < 1e-12, `${got} vs ${expected}`);
      }),
    );
  });
});

describe('classificationMetrics', () => {
  it('computes accuracy, precision, recall and F1 for the positive class', () => {
    const m = classificationMetrics(['1', '0', '1', '1', '0'], ['1', '1', '0', '1', '0'], '1');
    assert.deepEqual(m, { accuracy: 3 / 5, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 });
  });

  it('gives null, never NaN, for precision with no predicted positive and recall with no actual positive', () => {
    const noPredicted = classificationMetrics(['1', '0'], ['0', '0'], '1');
    assert.equal(noPredicted.precision, null);
    assert.equal(noPredicted.recall, 0);
    assert.equal(noPredicted.f1, 0);
    const noActual = classificationMetrics(['0', '0'], ['1', '0'], '1');
    assert.equal(noActual.recall, null);
    assert.equal(noActual.precision, 0);
    const nothing = classificationMetrics(['0', '0'], ['0', '0'], '1');
    assert.deepEqual(nothing, { accuracy: 1, precision: null, recall: null, f1: null });
    assert.deepEqual(classificationMetrics([], [], '1'), { accuracy: null, precision: null, recall: null, f1: null });
  });

  it('has no precision, recall or F1 without a positive class', () => {
    assert.deepEqual(classificationMetrics(['a', 'b', 'c'], ['a', 'b', 'b'], null), { accuracy: 2 / 3, precision: null, recall: null, f1: null });
  });
});

describe('regressionMetrics', () => {
  it('computes MAE and RMSE', () => {
    assert.deepEqual(regressionMetrics([3, -0.5, 2, 7], [2.5, 0, 2, 8]), { mae: 0.5, rmse: Math.sqrt(1.5 / 4) });
    assert.deepEqual(regressionMetrics([], []), { mae: null, rmse: null });
  });
});

describe('positive class', () => {
  it('is true, else 1, else the second of two sorted classes', () => {
    assert.equal(positiveClassOf(['false', 'true']), 'true');
    assert.equal(positiveClassOf(['0', '1', '2']), '1');
    assert.equal(positiveClassOf(['yes', 'no']), 'yes');
    assert.equal(positiveClassOf(['10', '9']), '10');
    assert.equal(positiveClassOf(['cat', 'dog', 'emu']), null);
    assert.equal(positiveClassOf(['only']), null);
    assert.ok(compareClasses('9', '10') < 0);
    assert.ok(compareClasses('b', 'a') > 0);
  });
});

describe('planEvaluation: the task follows the labels', () => {
  it('booleans and strings make classification', () => {
    assert.equal(planEvaluation([row(cls(null, 0.7), true)]).task, 'classification');
    assert.equal(planEvaluation([row(reg(1.5), 'x')]).task, 'classification');
  });
  it('numbers make regression unless the model predicts a class and every label is whole', () => {
    assert.equal(planEvaluation([row(reg(1.5), 2)]).task, 'regression');
    assert.equal(planEvaluation([row(cls('1', 0.8), 1), row(cls('0', 0.1), 0)]).task, 'classification');
    assert.equal(planEvaluation([row(cls('1', 0.8), 1), row(cls('0', 0.1), 0.5)]).task, 'regression');
  });
  it('no usable label gives no task', () => {
    assert.deepEqual(evaluate([row(cls('1'), null), row(cls('1'), { a: 1 })]), { task: null, positiveClass: null, rows: 0, metrics: {} });
    assert.deepEqual(evaluate([]), { task: null, positiveClass: null, rows: 0, metrics: {} });
  });
});

describe('evaluate', () => {
  it('scores the demo model: BOOL classes, probability scores, boolean labels', () => {
    const rows = [
      row(cls('true', 0.9), true),
      row(cls('true', 0.6), false),
      row(cls('false', 0.4), true),
      row(cls('false', 0.1), false),
      row(cls('true', 0.8), true),
    ];
    const r = evaluate(rows);
    assert.equal(r.task, 'classification');
    assert.equal(r.positiveClass, 'true');
    assert.equal(r.rows, 5);
    assert.deepEqual(r.metrics, { accuracy: 3 / 5, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, auc: 5 / 6 });
  });

  it('reads 0/1 labels as false/true against a BOOL class output, and the reverse', () => {
    const r = evaluate([row(cls('true', 0.9), 1), row(cls('false', 0.2), 0), row(cls('false', 0.3), 1)]);
    assert.equal(r.task, 'classification');
    assert.equal(r.positiveClass, 'true');
    assert.equal(r.metrics.accuracy, 2 / 3);
    assert.equal(r.metrics.recall, 1 / 2);
    const back = evaluate([row(cls('1'), true), row(cls('0'), false), row(cls('0'), true)]);
    assert.equal(back.metrics.accuracy, 2 / 3);
    assert.equal(back.positiveClass, 'true');
  });

  it('derives the class from the score when the model has no class output', () => {
    const r = evaluate([row(reg(0.9), 'yes'), row(reg(0.2), 'no'), row(reg(0.7), 'no'), row(reg(0.4), 'yes')]);
    assert.equal(r.positiveClass, 'yes');
    assert.deepEqual(r.metrics, { accuracy: 0.5, precision: 0.5, recall: 0.5, f1: 0.5, auc: 0.75 });
  });

  it('multi-class labels: accuracy only', () => {
    const r = evaluate([row(cls('a'), 'a'), row(cls('b'), 'c'), row(cls('c'), 'c')]);
    assert.deepEqual(r.metrics, { accuracy: 2 / 3, precision: null, recall: null, f1: null, auc: null });
  });

  it('regression: MAE and RMSE over rows with a value', () => {
    const r = evaluate([row(reg(2.5), 3), row(reg(0), -0.5), row(reg(null), 4), row(reg(8), 7)]);
    assert.equal(r.task, 'regression');
    assert.equal(r.rows, 3);
    assert.deepEqual(r.metrics, { mae: 2 / 3, rmse: Math.sqrt(1.5 / 3) });
  });

  it('applies a plan chosen elsewhere (a time window of a version)', () => {
    const all = [row(cls('true', 0.9), true), row(cls('false', 0.1), false)];
    const plan = planEvaluation(all);
    const window = evaluate([row(cls('true', 0.9), true)], plan);
    assert.equal(window.positiveClass, 'true');
    assert.equal(window.metrics.auc, null);
    assert.equal(window.metrics.accuracy, 1);
  });

  it('never answers NaN or Infinity, whatever the rows', () => {
    const value = fc.oneof(fc.boolean(), fc.integer({ min: -2, max: 3 }), fc.double(), fc.constantFrom('a', 'b', 'true', '1'), fc.constant(null));
    const predicted = fc.record({
      predictedClass: fc.option(fc.constantFrom('true', 'false', '0', '1', 'a', 'b')),
      score: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
      value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })),
    });
    fc.assert(
      fc.property(fc.array(fc.record({ predicted, label: value }), { maxLength: 30 }), (rows) => {
        for (const v of Object.values(evaluate(rows).metrics)) assert.ok(v === null || Number.isFinite(v), String(v));
      }),
    );
  });
});

describe('labelsPerRow', () => {
  it('takes a one-row label as is and a multi-row label as an array of one label per row', () => {
    assert.deepEqual(labelsPerRow(true, 1), [true]);
    assert.deepEqual(labelsPerRow([true], 1), [true]);
    assert.deepEqual(labelsPerRow([1, 0, 1], 3), [1, 0, 1]);
    assert.equal(labelsPerRow([1, 0], 3), null);
    assert.equal(labelsPerRow(1, 2), null);
    assert.equal(labelsPerRow([1, 2], 1), null);
    assert.equal(labelsPerRow([], 0), null);
  });
});

describe('regressionMetrics at the edge of a double', () => {
  it('scales errors that would overflow when squared, and answers null only when a metric cannot be held', () => {
    assert.deepEqual(regressionMetrics([1e200, -1e200], [0, 0]), { mae: 1e200, rmse: 1e200 });
    const huge = regressionMetrics([Number.MAX_VALUE], [-Number.MAX_VALUE]);
    assert.deepEqual(huge, { mae: null, rmse: null });
  });
});
