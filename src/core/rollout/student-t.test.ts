/**
 * The incomplete beta function and Student's t against test/fixtures/significance-vectors.json (written by
 * scripts/significance-vectors.py with mpmath at 60 digits), plus invariants.
 *
 * Tolerance: relative max(1e-13, 1e-16·(a + b)) (for t: a + b = (ν + 1)/2): the continued fraction loses about
 * 1e-16·(a + b) when a + b is large (see student-t.ts); elsewhere it is within a few ulps of 1e-14.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { regularizedBeta, studentTInverseSf, studentTSf, studentTTwoSided } from './student-t.js';

interface Vectors {
  beta: { a: number; b: number; x: number; value: number }[];
  student_t: { t: number; df: number; pvalue: number }[];
  t_quantiles: { q: number; df: number; t: number }[];
}

const vectors = JSON.parse(readFileSync(new URL('../../../test/fixtures/significance-vectors.json', import.meta.url), 'utf8')) as Vectors;

function close(actual: number, expected: number, size: number, what: string): void {
  const tolerance = Math.max(1e-13, 1e-16 * size);
  const error = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(error <= tolerance, `${what}: ${actual} vs ${expected} (relative error ${error.toExponential(2)} > ${tolerance})`);
}

describe('regularizedBeta against mpmath', () => {
  for (const v of vectors.beta) {
    test(`I_${v.x}(${v.a}, ${v.b})`, () => close(regularizedBeta(v.a, v.b, v.x), v.value, v.a + v.b, 'I'));
  }

  test('the ends, symmetry and bad arguments', () => {
    assert.equal(regularizedBeta(2, 3, 0), 0);
    assert.equal(regularizedBeta(2, 3, 1), 1);
    // I_x(1, 1) = x; I_x(a, 1) = x^a.
    close(regularizedBeta(1, 1, 0.37), 0.37, 2, 'uniform');
    close(regularizedBeta(3, 1, 0.5), 0.125, 4, 'x^a');
    close(regularizedBeta(2.5, 4, 0.3) + regularizedBeta(4, 2.5, 0.7), 1, 7, 'I_x(a,b) + I_{1-x}(b,a)');
    for (const [a, b, x] of [[0, 1, 0.5], [1, -1, 0.5], [1, 1, -0.1], [1, 1, 1.1], [NaN, 1, 0.5], [1, 1, NaN], [Infinity, 1, 0.5]]) {
      assert.ok(Number.isNaN(regularizedBeta(a!, b!, x!)), `${a}, ${b}, ${x}`);
    }
  });
});

describe('Student t against mpmath', () => {
  for (const v of vectors.student_t) {
    test(`two-sided p of t = ${v.t}, df = ${v.df}`, () => close(studentTTwoSided(v.t, v.df), v.pvalue, (v.df + 1) / 2, 'p'));
  }
  for (const v of vectors.t_quantiles) {
    test(`isf(${v.q}, df = ${v.df})`, () => close(studentTInverseSf(v.q, v.df), v.t, (v.df + 1) / 2, 't'));
  }

  test('the values the brief names', () => {
    // t = 2 with 10 degrees of freedom: two-sided p = 0.07338803477074 (printed tables and SciPy agree).
    assert.equal(studentTTwoSided(2, 10).toFixed(14), '0.07338803477074');
    // t = 1.96 with a million degrees of freedom is all but the normal distribution: p just under 0.05.
    assert.equal(studentTTwoSided(1.96, 1e6).toFixed(5), '0.05000');
    assert.ok(studentTTwoSided(1.96, 1e6) < 0.05);
    // t = 2.5 with 5 degrees of freedom: 0.05449 (the closed form for ν = 5 gives 0.0544900993423762411).
    assert.equal(studentTTwoSided(2.5, 5).toFixed(5), '0.05449');
  });

  test('edge cases', () => {
    assert.equal(studentTTwoSided(0, 3), 1);
    assert.equal(studentTTwoSided(Infinity, 3), 0);
    assert.equal(studentTTwoSided(-Infinity, 3), 0);
    assert.equal(studentTTwoSided(1e200, 3), 0);
    // df = Infinity: the normal distribution, 2·(1 - Φ(1.96)) = 0.04999579029644087.
    close(studentTTwoSided(1.96, Infinity), 0.04999579029644087, 1, 'normal');
    for (const [t, df] of [[NaN, 3], [1, NaN], [1, 0], [1, -2]]) assert.ok(Number.isNaN(studentTTwoSided(t!, df!)), `${t}, ${df}`);
    assert.equal(studentTInverseSf(0.5, 7), 0);
    for (const q of [0, 1, -0.1, NaN]) assert.ok(Number.isNaN(studentTInverseSf(q, 5)), String(q));
  });
});

describe('Student t invariants', () => {
  const df = fc.oneof(fc.double({ min: 0.2, max: 50, noNaN: true }), fc.integer({ min: 1, max: 100_000 }));
  const t = fc.double({ min: -60, max: 60, noNaN: true });

  test('p in [0, 1], even in t, not increasing in |t|', () => {
    fc.assert(
      fc.property(t, t, df, (t1, t2, nu) => {
        const p1 = studentTTwoSided(t1, nu);
        assert.ok(p1 >= 0 && p1 <= 1, `p ${p1}`);
        assert.equal(studentTTwoSided(-t1, nu), p1);
        const [small, large] = Math.abs(t1) <= Math.abs(t2) ? [t1, t2] : [t2, t1];
        const slack = 1e-15 * Math.max(1, nu);
        assert.ok(studentTTwoSided(small, nu) >= studentTTwoSided(large, nu) * (1 - slack), `${small} vs ${large} at ${nu}`);
      }),
      { numRuns: 300 },
    );
  });

  test('sf(t) + sf(-t) = 1, and the quantile inverts sf', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 0.999999, noNaN: true }), df, (q, nu) => {
        const x = studentTInverseSf(q, nu);
        // As close as sf itself is accurate (see the tolerance above).
        const tolerance = Math.max(1e-12, 1e-15 * nu) * Math.max(q, 1e-3);
        assert.ok(Math.abs(studentTSf(x, nu) - q) <= tolerance, `sf(isf(${q})) at ${nu}`);
        assert.ok(Math.abs(studentTSf(x, nu) + studentTSf(-x, nu) - 1) <= 1e-15);
      }),
      { numRuns: 150 },
    );
  });
});
