/**
 * The A/B significance tests against test/fixtures/significance-vectors.json (scripts/significance-vectors.py, mpmath
 * at 60 digits from the formulas), by hand-checked small cases, and by invariants.
 *
 * Tolerances: statistics, differences and intervals 1e-12 relative (1e-15 absolute near 0); p-values 1e-12 relative
 * (the degrees of freedom here stay below 1e4, where the t distribution is good to about 1e-14).
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { throwsCode } from '../../../test/helpers/assert-code.js';
import { SIGNIFICANCE_LEVEL, Z_975, sampleMoments, twoProportionZTest, welchTTest } from './significance.js';

interface Vectors {
  z975: number;
  two_proportion: {
    successes_a: number;
    n_a: number;
    successes_b: number;
    n_b: number;
    difference: number;
    statistic: number;
    pvalue: number;
    ci95: [number, number];
  }[];
  welch: {
    name: string;
    a: number[];
    b: number[];
    mean_a: number;
    mean_b: number;
    difference: number;
    statistic: number;
    df: number;
    pvalue: number;
    ci95: [number, number];
  }[];
}

const vectors = JSON.parse(readFileSync(new URL('../../../test/fixtures/significance-vectors.json', import.meta.url), 'utf8')) as Vectors;

function close(actual: number | null, expected: number, what: string, relative = 1e-12): void {
  assert.ok(actual !== null, `${what} is null`);
  const error = Math.abs(actual - expected);
  assert.ok(error <= Math.max(relative * Math.abs(expected), 1e-15), `${what}: ${actual} vs ${expected} (error ${error.toExponential(2)})`);
}

describe('two-proportion z test against mpmath', () => {
  test('the 95% point is Φ⁻¹(0.975)', () => assert.equal(Z_975, vectors.z975));

  for (const v of vectors.two_proportion) {
    test(`${v.successes_a}/${v.n_a} against ${v.successes_b}/${v.n_b}`, () => {
      const r = twoProportionZTest(v.successes_a, v.n_a, v.successes_b, v.n_b);
      assert.equal(r.test, 'two-proportion z');
      close(r.a, v.successes_a / v.n_a, 'a');
      close(r.b, v.successes_b / v.n_b, 'b');
      close(r.difference, v.difference, 'difference');
      close(r.statistic, v.statistic, 'z');
      close(r.pValue, v.pvalue, 'p');
      close(r.ci95[0], v.ci95[0], 'ci low');
      close(r.ci95[1], v.ci95[1], 'ci high');
      assert.equal(r.df, null);
      assert.equal(r.significant, v.pvalue < 0.05);
    });
  }

  test('B clearly better is significant; equal rates are not', () => {
    // 780/1000 against 700/1000: z = 0.08 / √(0.74·0.26·0.002) = 4.0782, p = 4.5379e-5, Wald 95%: [0.0417, 0.1183].
    const better = twoProportionZTest(700, 1000, 780, 1000);
    assert.equal(better.significant, true);
    assert.equal(better.pValue.toExponential(4), '4.5379e-5');
    // 752/1000 against 750/1000: p = 0.91763.
    const same = twoProportionZTest(750, 1000, 752, 1000);
    assert.equal(same.significant, false);
    assert.equal(same.pValue.toPrecision(5), '0.91763');
  });

  test('nothing varies: p = 1; bad counts are refused', () => {
    for (const share of [0, 1]) {
      const r = twoProportionZTest(share * 10, 10, share * 7, 7);
      assert.deepEqual([r.statistic, r.pValue, r.significant, r.difference, r.ci95], [0, 1, false, 0, [0, 0]], `share ${share}`);
    }
    const bad: [number, number, number, number][] = [[1, 0, 1, 1], [2, 1, 1, 1], [-1, 3, 1, 3], [1.5, 3, 1, 3], [1, 3, 1, NaN]];
    for (const [xa, na, xb, nb] of bad) throwsCode(() => twoProportionZTest(xa, na, xb, nb), 'INVALID_REQUEST');
  });

  test('swapping the arms negates the difference and keeps the p-value', () => {
    const counts = fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(counts, counts, ([xa, na], [xb, nb]) => {
        const ab = twoProportionZTest(xa, na, xb, nb);
        const ba = twoProportionZTest(xb, nb, xa, na);
        assert.ok(ba.difference === -ab.difference, `${ba.difference} vs ${ab.difference}`);
        assert.equal(ba.pValue, ab.pValue);
        assert.ok(ab.pValue >= 0 && ab.pValue <= 1);
        assert.ok(ab.ci95[0] <= ab.difference && ab.difference <= ab.ci95[1]);
        assert.equal(ab.significant, ab.pValue < SIGNIFICANCE_LEVEL);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Welch t test against mpmath', () => {
  for (const v of vectors.welch) {
    test(v.name, () => {
      const r = welchTTest(v.a, v.b);
      assert.equal(r.test, 'welch t');
      close(r.a, v.mean_a, 'mean a');
      close(r.b, v.mean_b, 'mean b');
      close(r.difference, v.difference, 'difference', 1e-11);
      close(r.statistic, v.statistic, 't', 1e-11);
      close(r.df, v.df, 'df');
      close(r.pValue, v.pvalue, 'p', 1e-11);
      close(r.ci95[0], v.ci95[0], 'ci low', 1e-11);
      close(r.ci95[1], v.ci95[1], 'ci high', 1e-11);
      assert.equal(r.significant, v.pvalue < 0.05);
    });
  }

  test('by hand: [1, 2, 3, 4] against [2, 4, 6, 8, 10]', () => {
    // Means 2.5 and 6, variances 5/3 and 10: se² = 5/12 + 2 = 29/12, t = 3.5/√(29/12) = 2.2514363;
    // ν = (29/12)² / ((5/12)²/3 + 2²/4) = 5.5207877.
    const r = welchTTest([1, 2, 3, 4], [2, 4, 6, 8, 10]);
    close(r.statistic, 3.5 / Math.sqrt(29 / 12), 't', 1e-15);
    close(r.df, (29 / 12) ** 2 / ((5 / 12) ** 2 / 3 + 1), 'df', 1e-15);
    assert.equal(r.significant, false);
  });

  test('no spread: equal means p = 1, different means p = 0; too few or non-finite values are refused', () => {
    const same = welchTTest([2, 2, 2], [2, 2]);
    assert.deepEqual([same.pValue, same.statistic, same.df, same.ci95], [1, 0, null, [0, 0]]);
    const apart = welchTTest([2, 2, 2], [3, 3]);
    assert.deepEqual([apart.pValue, apart.statistic, apart.significant, apart.ci95], [0, null, true, [1, 1]]);
    // One arm without spread: ν is the other arm's n - 1.
    assert.equal(welchTTest([1, 1, 1], [1, 2, 3, 4]).df, 3);
    throwsCode(() => welchTTest([1], [1, 2]), 'INVALID_REQUEST');
    throwsCode(() => welchTTest([1, 2], [1, Infinity]), 'INVALID_REQUEST');
  });

  test('sample moments are numpy mean and var(ddof=1)', () => {
    assert.deepEqual(sampleMoments([1, 2, 3, 4]), { n: 4, mean: 2.5, variance: 5 / 3 });
    assert.ok(Number.isNaN(sampleMoments([7]).variance));
  });

  test('swapping the arms negates t and the difference, keeps p and ν; the interval holds the difference', () => {
    const values = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 40 });
    fc.assert(
      fc.property(values, values, (a, b) => {
        const ab = welchTTest(a, b);
        const ba = welchTTest(b, a);
        assert.ok(ba.difference === -ab.difference, `${ba.difference} vs ${ab.difference}`);
        assert.equal(ba.pValue, ab.pValue);
        assert.equal(ba.df, ab.df);
        assert.ok(ab.pValue >= 0 && ab.pValue <= 1, `p ${ab.pValue}`);
        assert.ok(ab.ci95[0] <= ab.difference && ab.difference <= ab.ci95[1]);
        // The 95% interval excludes 0 exactly when the test is significant (up to rounding at the boundary).
        if (ab.df !== null && Math.abs(ab.pValue - 0.05) > 1e-9) assert.equal(ab.ci95[0] > 0 || ab.ci95[1] < 0, ab.significant);
      }),
      { numRuns: 300 },
    );
  });
});
