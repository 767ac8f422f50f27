import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerRows, compareAnswers } from './comparison.js';
import type { AnswerRow, ComparedRequest, SideAnswer } from './comparison.js';
import type { TensorSpec } from '../inference/tensor.js';

const ok = (rows: AnswerRow[] | null, latencyMs = 1): SideAnswer => ({ ok: true, rows, latencyMs });
const err = (error: string, latencyMs = 1): SideAnswer => ({ ok: false, error, latencyMs });
const score = (...scores: number[]): AnswerRow => ({ label: null, scores });
const label = (l: string, ...scores: number[]): AnswerRow => ({ label: l, scores: scores.length === 0 ? null : scores });
const pair = (primary: SideAnswer, candidate: SideAnswer): ComparedRequest => ({ primary, candidate });

describe('compareAnswers', () => {
  it('judges class outputs by equal labels and takes differences over the first float output', () => {
    const c = compareAnswers([
      pair(ok([label('true', 0.9), label('false', 0.2)]), ok([label('true', 0.75), label('true', 0.6)])),
      pair(ok([label('false', 0.1)]), ok([label('false', 0.1)])),
    ]);
    assert.equal(c.requests, 2);
    assert.equal(c.rows, 3);
    assert.equal(c.agreeing, 2);
    assert.equal(c.agreement, 2 / 3);
    assert.equal(c.rule, 'class');
    assert.deepEqual(c.rowsByRule, { class: 3, argmax: 0, threshold: 0, tolerance: 0 });
    // |0.75 - 0.9|, |0.6 - 0.2|, 0
    assert.equal(c.meanAbsDiff, (Math.abs(0.75 - 0.9) + Math.abs(0.6 - 0.2) + 0) / 3);
    assert.equal(c.maxAbsDiff, Math.abs(0.6 - 0.2));
  });

  it('judges probability vectors by argmax, the first index on ties', () => {
    const c = compareAnswers([
      pair(ok([score(0.2, 0.5, 0.3)]), ok([score(0.1, 0.6, 0.3)])),
      pair(ok([score(0.5, 0.5, 0)]), ok([score(0.4, 0.4, 0.2)])), // argmax 0 (tie, first) vs 0: agree
      pair(ok([score(0.7, 0.3)]), ok([score(0.4, 0.6)])),
    ]);
    assert.equal(c.rule, 'argmax');
    assert.equal(c.rows, 3);
    assert.equal(c.agreeing, 2);
    // Element by element, in request order, summed in that order.
    const diffs = [0.1 - 0.2, 0.6 - 0.5, 0.3 - 0.3, 0.4 - 0.5, 0.4 - 0.5, 0.2 - 0, 0.4 - 0.7, 0.6 - 0.3].map(Math.abs);
    assert.equal(c.maxAbsDiff, 0.3); // |0.6 - 0.3|; |0.4 - 0.7| is 0.29999999999999993 in doubles
    assert.equal(c.meanAbsDiff, diffs.reduce((s, d) => s + d, 0) / 8);
  });

  it('thresholds single probabilities at 0.5 (strictly above is positive)', () => {
    const c = compareAnswers([
      pair(ok([score(0.5)]), ok([score(0.49)])), // both not above 0.5: agree
      pair(ok([score(0.51)]), ok([score(0.5)])), // disagree
      pair(ok([score(1)]), ok([score(0.75)])), // agree
      pair(ok([score(0)]), ok([score(0.25)])), // agree
    ]);
    assert.equal(c.rule, 'threshold');
    assert.deepEqual([c.rows, c.agreeing, c.agreement], [4, 3, 0.75]);
    assert.equal(c.maxAbsDiff, 0.25);
    assert.equal(c.meanAbsDiff, (0.010000000000000009 + 0.010000000000000009 + 0.25 + 0.25) / 4);
  });

  it('judges single floats outside [0, 1] as a regression, within 1e-6 relative (absolute below 1)', () => {
    const c = compareAnswers([
      pair(ok([score(1000)]), ok([score(1000.0009)])), // 0.0009 <= 0.001: agree
      pair(ok([score(1000)]), ok([score(1000.0011)])), // disagree
      pair(ok([score(0.1)]), ok([score(0.1000009)])), // 9e-7 <= 1e-6: agree
      pair(ok([score(-2)]), ok([score(-2.5)])), // disagree
    ]);
    assert.equal(c.rule, 'tolerance');
    assert.deepEqual([c.rows, c.agreeing, c.agreement], [4, 2, 0.5]);
    assert.equal(c.maxAbsDiff, 0.5);
  });

  it('counts errors per side with the candidate’s codes, and leaves failed and unreadable requests out of agreement', () => {
    const c = compareAnswers([
      pair(ok([score(2)], 10), ok([score(2)], 30)),
      pair(ok([score(3)], 20), err('INFERENCE_FAILED', 50)),
      pair(ok([score(4)], 40), err('DEADLINE_EXCEEDED', 70)),
      pair(ok([score(5)], 30), err('INFERENCE_FAILED', 10)),
      pair(ok(null, 50), ok([score(1)], 20)),
      pair(ok([score(1), score(2)], 60), ok([score(1)], 40)),
    ]);
    assert.equal(c.requests, 6);
    assert.deepEqual(c.errors, { primary: 0, candidate: 3 });
    assert.deepEqual(c.candidateErrorCodes, { INFERENCE_FAILED: 2, DEADLINE_EXCEEDED: 1 });
    assert.equal(c.unreadable, 2);
    assert.deepEqual([c.rows, c.agreeing, c.agreement, c.meanAbsDiff, c.maxAbsDiff], [1, 1, 1, 0, 0]);
    // numpy: np.quantile([10, 20, 30, 40, 50, 60], [0.5, 0.99]) = [35, 59.5]
    assert.deepEqual(c.latencyMs.primary, { p50: 35, p99: 59.5 });
    // np.quantile([30, 50, 70, 10, 20, 40], [0.5, 0.99]) = [35, 69]
    assert.deepEqual(c.latencyMs.candidate, { p50: 35, p99: 69 });
  });

  it('counts rows of different outputs or widths as disagreeing, and names a mix of rules', () => {
    const c = compareAnswers([
      pair(ok([score(0.2, 0.8)]), ok([score(0.1, 0.2, 0.7)])),
      pair(ok([label('a')]), ok([label('a')])),
      pair(ok([score(0.2, 0.8)]), ok([score(0.3, 0.7)])),
    ]);
    assert.deepEqual([c.rows, c.agreeing, c.incomparableRows, c.rule], [3, 2, 1, 'mixed']);
    assert.deepEqual(c.rowsByRule, { class: 1, argmax: 1, threshold: 0, tolerance: 0 });
    assert.equal(c.maxAbsDiff, 0.10000000000000009);
  });

  it('answers nulls when there is nothing to compare', () => {
    const c = compareAnswers([]);
    assert.deepEqual(
      [c.requests, c.rows, c.agreement, c.rule, c.meanAbsDiff, c.maxAbsDiff, c.latencyMs.primary, c.latencyMs.candidate],
      [0, 0, null, null, null, null, { p50: null, p99: null }, { p50: null, p99: null }],
    );
    const failed = compareAnswers([pair(ok([label('x')], 5), err('INFERENCE_FAILED', 7))]);
    assert.deepEqual([failed.requests, failed.rows, failed.agreement, failed.errors.candidate], [1, 0, null, 1]);
    assert.deepEqual(failed.latencyMs.candidate, { p50: 7, p99: 7 });
  });
});

describe('answerRows', () => {
  it('reads v2 answers: a class output and the first float output’s whole row', () => {
    const body = {
      model_name: 'churn',
      model_version: '1',
      outputs: [
        { name: 'probability', datatype: 'FP32', shape: [2, 1], data: [0.25, 0.75] },
        { name: 'label', datatype: 'BOOL', shape: [2, 1], data: [false, true] },
      ],
    };
    assert.deepEqual(answerRows(body), [
      { label: 'false', scores: [0.25] },
      { label: 'true', scores: [0.75] },
    ]);
    const probs = { outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 3], data: [0.1, 0.7, 0.2] }] };
    assert.deepEqual(answerRows(probs), [{ label: null, scores: [0.1, 0.7, 0.2] }]);
  });

  it('reads records answers with the signature’s datatypes, and refuses what it cannot read', () => {
    const outputs: TensorSpec[] = [{ name: 'k', datatype: 'INT64', shape: [-1, 1] }];
    assert.deepEqual(answerRows({ predictions: [[3], [4]] }, outputs), [
      { label: '3', scores: null },
      { label: '4', scores: null },
    ]);
    assert.deepEqual(answerRows({ predictions: [{ y: [1.5] }] }), [{ label: null, scores: [1.5] }]);
    assert.equal(answerRows(null), null);
    assert.equal(answerRows({ something: 1 }), null);
    assert.deepEqual(answerRows({ predictions: [] }), []);
  });
});
