/**
 * The significance tests of an A/B experiment: is version B's metric different from version A's, or could chance
 * explain the difference? Pure. Every result is "B minus A" (a positive difference means B's value is higher; for an
 * error metric that is worse), two-sided, at the 5% level.
 *
 * - Rates (accuracy, precision, recall: successes over trials per arm): the two-proportion z test with the pooled
 *   variance (statsmodels' `proportions_ztest`, the same statistic as the drift Z test in
 *   core/monitoring/drift/ztest.ts), p = erfc(|z|/√2) = 2·(1 - Φ(|z|)) without its cancellation in the tail; the
 *   95% interval of the difference is Wald's, (pB - pA) ± z₀.₉₇₅·√(pA(1 - pA)/nA + pB(1 - pB)/nB), unpooled and not
 *   clipped to [-1, 1] (it is the textbook interval, which small samples near 0 or 1 can push past the ends).
 * - Means of per-row values (absolute errors for MAE, squared errors for RMSE): Welch's unequal-variance t test
 *   (SciPy's `ttest_ind(b, a, equal_var=False)`), sample variances with n - 1, the Welch-Satterthwaite degrees of
 *   freedom, the p-value from Student's t (student-t.ts), and the interval (mB - mA) ± t*₀.₉₇₅,ν·se.
 * Degenerate samples get a defined answer instead of NaN: no spread at all in either arm (every row a success, or
 * every value equal) gives p = 1 when the two arms agree, and p = 0 (a certain difference, interval of zero width)
 * when they do not. Vectors: test/fixtures/significance-vectors.json (scripts/significance-vectors.py, mpmath).
 */

import { fail } from '../errors.js';
import { erfc } from '../monitoring/drift/erf.js';
import { pairwiseSum } from '../monitoring/drift/pairwise-sum.js';
import { proportionsZStat } from '../monitoring/drift/ztest.js';
import { studentTInverseSf, studentTTwoSided } from './student-t.js';

/** The level below which a p-value is called significant. */
export const SIGNIFICANCE_LEVEL = 0.05;

/** Φ⁻¹(0.975), the two-sided 95% point of the standard normal distribution (correctly rounded). */
export const Z_975 = 1.9599639845400543;

/** Which test produced a result. */
export type SignificanceTest = 'two-proportion z' | 'welch t';

/** The outcome of comparing arm B with arm A. */
export interface SignificanceResult {
  readonly test: SignificanceTest;
  /** Arm A's rate or mean. */
  readonly a: number;
  /** Arm B's rate or mean. */
  readonly b: number;
  /** b - a. */
  readonly difference: number;
  /** The 95% confidence interval of the difference. */
  readonly ci95: readonly [number, number];
  /** z or t (positive when B is higher); null for a certain difference (no spread in either arm, means apart). */
  readonly statistic: number | null;
  /** Degrees of freedom of a t test (Welch-Satterthwaite; null for z, and for a t test with no spread at all). */
  readonly df: number | null;
  /** Two-sided p-value. */
  readonly pValue: number;
  /** pValue < SIGNIFICANCE_LEVEL. */
  readonly significant: boolean;
}

function checkCount(successes: number, n: number, arm: string): void {
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(successes) || successes < 0 || successes > n) {
    throw fail('INVALID_REQUEST', `arm ${arm} needs a whole number of successes between 0 and its trials (>= 1), got ${successes} of ${n}`);
  }
}

/** The result with `significant` filled in. */
function result(r: Omit<SignificanceResult, 'significant'>): SignificanceResult {
  return { ...r, significant: r.pValue < SIGNIFICANCE_LEVEL };
}

/**
 * The two-proportion z test of `successesB` of `nB` against `successesA` of `nA` (see the module comment).
 * INVALID_REQUEST unless each arm has at least one trial and 0 <= successes <= trials.
 */
export function twoProportionZTest(successesA: number, nA: number, successesB: number, nB: number): SignificanceResult {
  checkCount(successesA, nA, 'A');
  checkCount(successesB, nB, 'B');
  const pA = successesA / nA;
  const pB = successesB / nB;
  const difference = pB - pA;
  const se = Math.sqrt((pA * (1 - pA)) / nA + (pB * (1 - pB)) / nB);
  const ci95 = [difference - Z_975 * se, difference + Z_975 * se] as const;
  const pooled = (successesA + successesB) / (nA + nB);
  if (pooled === 0 || pooled === 1) {
    // Every trial of both arms failed (or succeeded): the rates are equal and nothing varies.
    return result({ test: 'two-proportion z', a: pA, b: pB, difference, ci95, statistic: 0, df: null, pValue: 1 });
  }
  const statistic = proportionsZStat(successesB, nB, successesA, nA);
  return result({ test: 'two-proportion z', a: pA, b: pB, difference, ci95, statistic, df: null, pValue: erfc(Math.abs(statistic) * Math.SQRT1_2) });
}

/** Size, mean and sample variance (n - 1) of one arm's values. */
export interface SampleMoments {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

/** The size, mean and sample variance of `values` (numpy's pairwise sums, two passes, as `mean` and `var(ddof=1)`). */
export function sampleMoments(values: ArrayLike<number>): SampleMoments {
  const n = values.length;
  const mean = n === 0 ? NaN : pairwiseSum(values) / n;
  if (n < 2) return { n, mean, variance: NaN };
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) squares[i] = (values[i]! - mean) ** 2;
  return { n, mean, variance: pairwiseSum(squares) / (n - 1) };
}

/**
 * Welch's t test of arm B's values against arm A's (see the module comment). INVALID_REQUEST when an arm has fewer
 * than two values or a value is not a finite number.
 */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>): SignificanceResult {
  for (const [values, arm] of [[a, 'A'], [b, 'B']] as const) {
    if (values.length < 2) throw fail('INVALID_REQUEST', `arm ${arm} needs at least two values for a t test, got ${values.length}`);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) throw fail('INVALID_REQUEST', `arm ${arm} has a value that is not a finite number (${values[i]})`);
    }
  }
  return welchFromMoments(sampleMoments(a), sampleMoments(b));
}

/** Welch's t test from each arm's moments (n >= 2 each). */
export function welchFromMoments(ma: SampleMoments, mb: SampleMoments): SignificanceResult {
  if (!(ma.n >= 2 && mb.n >= 2)) throw fail('INVALID_REQUEST', `a t test needs at least two values per arm, got ${ma.n} and ${mb.n}`);
  const difference = mb.mean - ma.mean;
  const sa = ma.variance / ma.n;
  const sb = mb.variance / mb.n;
  const se = Math.sqrt(sa + sb);
  const base = { test: 'welch t' as const, a: ma.mean, b: mb.mean, difference };
  if (se === 0) {
    // No spread in either arm: the means are the answer, certain when they differ.
    const ci95 = [difference, difference] as const;
    if (difference === 0) return result({ ...base, ci95, statistic: 0, df: null, pValue: 1 });
    return result({ ...base, ci95, statistic: null, df: null, pValue: 0 });
  }
  const statistic = difference / se;
  // (sa + sb)² / (sa²/(nA - 1) + sb²/(nB - 1)), with the shares of sa + sb so tiny or huge variances neither
  // underflow nor overflow.
  const shareA = sa / (sa + sb);
  const shareB = sb / (sa + sb);
  const df = 1 / (shareA ** 2 / (ma.n - 1) + shareB ** 2 / (mb.n - 1));
  const critical = studentTInverseSf(0.025, df);
  return result({
    ...base,
    ci95: [difference - critical * se, difference + critical * se],
    statistic,
    df,
    pValue: studentTTwoSided(statistic, df),
  });
}
