/**
 * Accuracy metrics against fixed vectors (test/fixtures/accuracy-vectors.json, written by
 * scripts/accuracy-vectors.py: ROC AUC by Mann-Whitney U with scipy's rankdata, cross-checked with scikit-learn's
 * trapezoidal algorithm re-implemented in numpy).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { classificationMetrics, regressionMetrics, rocAuc } from './accuracy.js';

interface Vectors {
  auc: Array<{ name: string; labels: number[]; scores: number[]; auc: number }>;
  classification: Array<{ name: string; actual: number[]; predicted: number[]; accuracy: number; precision: number | null; recall: number | null; f1: number | null }>;
  regression: Array<{ name: string; labels: number[]; predicted: number[]; mae: number; rmse: number }>;
}

const vectors = JSON.parse(readFileSync(new URL('../../../test/fixtures/accuracy-vectors.json', import.meta.url), 'utf8')) as Vectors;

function near(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('accuracy metrics equal the reference vectors', () => {
  it('ROC AUC (ties included)', () => {
    assert.ok(vectors.auc.length >= 10);
    for (const c of vectors.auc) near(rocAuc(c.scores, c.labels.map((y) => y === 1)), c.auc, c.name);
  });

  it('accuracy, precision, recall, F1', () => {
    for (const c of vectors.classification) {
      const m = classificationMetrics(c.actual.map(String), c.predicted.map(String), '1');
      near(m.accuracy, c.accuracy, `${c.name} accuracy`);
      near(m.precision, c.precision, `${c.name} precision`);
      near(m.recall, c.recall, `${c.name} recall`);
      near(m.f1, c.f1, `${c.name} f1`);
    }
  });

  it('MAE and RMSE', () => {
    for (const c of vectors.regression) {
      const m = regressionMetrics(c.labels, c.predicted);
      near(m.mae, c.mae, `${c.name} mae`);
      near(m.rmse, c.rmse, `${c.name} rmse`);
    }
  });
});
