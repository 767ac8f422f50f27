import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluate, planEvaluation } from '../monitoring/accuracy.js';
import type { LabelledRow } from '../monitoring/accuracy.js';
import { TESTABLE_METRICS, armOutcomes, compareArms, differenceOf, outcomeCount } from './ab-outcomes.js';
import type { ArmOutcomes } from './ab-outcomes.js';

function classRow(predicted: boolean, label: boolean): LabelledRow {
  return { predicted: { predictedClass: String(predicted), score: null, value: null }, label };
}

function scoreRow(score: number, label: number): LabelledRow {
  return { predicted: { predictedClass: null, score, value: score }, label };
}

function valueRow(value: number, label: number): LabelledRow {
  return { predicted: { predictedClass: null, score: value, value }, label };
}

function rate(o: ArmOutcomes | null): [number, number] {
  assert.ok(o !== null && o.kind === 'rate');
  return [o.successes, o.trials];
}

describe('armOutcomes', () => {
  // Predicted/label pairs: 3 true positives, 1 false positive, 2 false negatives, 4 true negatives.
  const rows = [
    ...Array.from({ length: 3 }, () => classRow(true, true)),
    classRow(true, false),
    ...Array.from({ length: 2 }, () => classRow(false, true)),
    ...Array.from({ length: 4 }, () => classRow(false, false)),
  ];
  const plan = planEvaluation(rows);

  test('classification: accuracy over every row, precision over predicted positives, recall over actual positives', () => {
    assert.deepEqual(rate(armOutcomes(rows, plan, 'accuracy')), [7, 10]);
    assert.deepEqual(rate(armOutcomes(rows, plan, 'precision')), [3, 4]);
    assert.deepEqual(rate(armOutcomes(rows, plan, 'recall')), [3, 5]);
  });

  test('successes over trials equal the accuracy report for the same rows', () => {
    const metrics = evaluate(rows, plan).metrics;
    for (const metric of ['accuracy', 'precision', 'recall'] as const) {
      const [s, n] = rate(armOutcomes(rows, plan, metric));
      assert.equal(s / n, metrics[metric], metric);
    }
  });

  test('a score without a class is read as the accuracy report reads it (above 0.5: positive)', () => {
    const scored = [scoreRow(0.9, 1), scoreRow(0.6, 0), scoreRow(0.2, 1), scoreRow(0.1, 0)];
    // Integer labels with float outputs only: a regression unless the plan sees classes, so label as booleans.
    const asBooleans = scored.map((r) => ({ ...r, label: r.label === 1 }));
    const p = planEvaluation(asBooleans);
    assert.equal(p.task, 'classification');
    assert.deepEqual(rate(armOutcomes(asBooleans, p, 'accuracy')), [2, 4]);
    assert.deepEqual(rate(armOutcomes(asBooleans, p, 'precision')), [1, 2]);
    assert.equal(evaluate(asBooleans, p).metrics.accuracy, 0.5);
  });

  test('regression: absolute errors for mae, squared errors for rmse', () => {
    const reg = [valueRow(1.5, 1), valueRow(2, 4), valueRow(-1, 0)];
    const p = planEvaluation(reg);
    assert.equal(p.task, 'regression');
    const mae = armOutcomes(reg, p, 'mae');
    const rmse = armOutcomes(reg, p, 'rmse');
    assert.ok(mae?.kind === 'values' && rmse?.kind === 'values');
    assert.deepEqual([...mae.values], [0.5, 2, 1]);
    assert.deepEqual([...rmse.values], [0.25, 4, 1]);
    const metrics = evaluate(reg, p).metrics;
    assert.equal(mae.values.reduce((s, v) => s + v, 0) / 3, metrics.mae);
    assert.equal(Math.sqrt(rmse.values.reduce((s, v) => s + v, 0) / 3), metrics.rmse);
    assert.equal(differenceOf('rmse'), 'mse');
    assert.equal(differenceOf('mae'), 'mae');
  });

  test('a metric that does not fit the task, f1, or precision without a positive class: null', () => {
    const reg = [valueRow(1, 1), valueRow(2, 3)];
    assert.equal(armOutcomes(reg, planEvaluation(reg), 'accuracy'), null);
    assert.equal(armOutcomes(rows, plan, 'mae'), null);
    assert.equal(armOutcomes(rows, plan, 'f1'), null);
    const three = ['a', 'b', 'c'].map((c) => ({ predicted: { predictedClass: c, score: null, value: null }, label: c }));
    const p3 = planEvaluation(three);
    assert.equal(p3.positiveClass, null);
    assert.equal(armOutcomes(three, p3, 'precision'), null);
    assert.deepEqual(rate(armOutcomes(three, p3, 'accuracy')), [3, 3]);
    assert.ok(!(TESTABLE_METRICS as readonly string[]).includes('f1'));
  });

  test('outcomes never count more rows than the report scores', () => {
    const row = fc.record({ p: fc.boolean(), l: fc.boolean() }).map(({ p, l }) => classRow(p, l));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 50 }), (rs) => {
        const p = planEvaluation(rs);
        const result = evaluate(rs, p);
        for (const metric of ['accuracy', 'precision', 'recall'] as const) {
          const o = armOutcomes(rs, p, metric);
          if (o === null) continue;
          assert.ok(outcomeCount(o) <= result.rows);
          const [s, n] = rate(o);
          assert.equal(n === 0 ? null : s / n, result.metrics[metric] ?? null, metric);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('compareArms', () => {
  test('rates go to the z test, values to the t test', () => {
    const z = compareArms({ kind: 'rate', successes: 700, trials: 1000 }, { kind: 'rate', successes: 780, trials: 1000 });
    assert.equal(z.result?.test, 'two-proportion z');
    assert.equal(z.result?.significant, true);
    const t = compareArms({ kind: 'values', values: Float64Array.of(1, 2, 3, 4) }, { kind: 'values', values: Float64Array.of(2, 4, 6, 8, 10) });
    assert.equal(t.result?.test, 'welch t');
  });

  test('no test without data, with the reason', () => {
    assert.match(compareArms({ kind: 'rate', successes: 0, trials: 0 }, { kind: 'rate', successes: 1, trials: 2 }).reason ?? '', /arm A has no/);
    assert.match(compareArms({ kind: 'values', values: Float64Array.of(1, 2) }, { kind: 'values', values: Float64Array.of(1) }).reason ?? '', /arm B needs at least two/);
    const huge = compareArms({ kind: 'values', values: Float64Array.of(1e300, 1e308) }, { kind: 'values', values: Float64Array.of(1, Infinity) });
    assert.equal(huge.result, null);
    assert.match(huge.reason ?? '', /too large/);
    assert.match(compareArms({ kind: 'rate', successes: 0, trials: 1 }, { kind: 'values', values: Float64Array.of(1, 2) }).reason ?? '', /differently/);
  });
});
