/**
 * Pearson's chi-square goodness-of-fit test, equal to SciPy's `scipy.stats.chisquare(f_obs, f_exp)`, and
 * Evidently's use of it to compare the category counts of a current sample with those of the reference.
 */

import { fail } from '../../errors.js';
import { chiSquareSf } from './gamma.js';
import { pairwiseSum } from './pairwise-sum.js';
import { checkValues, countValues, unionKeys, type DriftValue } from './sample.js';

/** SciPy's tolerance for sum(f_obs) = sum(f_exp): the square root of double epsilon. */
const SUM_RTOL = Math.sqrt(2.220446049250313e-16);

/** The result of a chi-square test. */
export interface ChiSquareResult {
  /** Σ (observed - expected)² / expected: Infinity when a category is observed but not expected. */
  readonly statistic: number;
  /** P(χ²_{k-1} >= statistic); 0 for an infinite statistic, NaN with one category and a zero statistic (as SciPy). */
  readonly pvalue: number;
}

/**
 * The chi-square test of observed against expected frequencies, with k - 1 degrees of freedom for k categories.
 * Like SciPy, refuses (INVALID_REQUEST) frequencies whose totals differ by more than √ε relative, and lets
 * division by a zero expectation give an infinite (or, for 0/0, NaN) statistic.
 */
export function chisquare(fObs: ArrayLike<number>, fExp: ArrayLike<number>): ChiSquareResult {
  const k = fObs.length;
  if (k === 0) throw fail('INVALID_REQUEST', 'f_obs must not be empty', { argument: 'f_obs' });
  if (fExp.length !== k) {
    throw fail('INVALID_REQUEST', 'f_obs and f_exp must have the same length', { f_obs: k, f_exp: fExp.length });
  }
  for (let i = 0; i < k; i++) {
    const o = fObs[i];
    const e = fExp[i];
    if (typeof o !== 'number' || !Number.isFinite(o) || typeof e !== 'number' || !Number.isFinite(e)) {
      throw fail('INVALID_REQUEST', `frequency ${i} is not a finite number`, { index: i });
    }
  }
  const sumObs = pairwiseSum(fObs);
  const sumExp = pairwiseSum(fExp);
  const relativeDiff = Math.abs(sumObs - sumExp) / Math.min(sumObs, sumExp);
  if (relativeDiff > SUM_RTOL) {
    throw fail('INVALID_REQUEST', 'the observed and expected frequencies must have the same total', {
      f_obs: sumObs,
      f_exp: sumExp,
    });
  }
  const terms = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const d = fObs[i]! - fExp[i]!;
    terms[i] = (d * d) / fExp[i]!;
  }
  const statistic = pairwiseSum(terms);
  return { statistic, pvalue: chiSquareSf(k - 1, statistic) };
}

/**
 * Evidently's chi-square drift test (`_chi_stat_test`): one category per value seen in either sample; observed =
 * current counts, expected = reference counts scaled by n_current / n_reference. A category absent from the
 * reference makes the statistic infinite and the p-value 0. Fails (INVALID_REQUEST) on an empty sample.
 */
export function chiSquareTest(reference: ArrayLike<DriftValue>, current: ArrayLike<DriftValue>): ChiSquareResult {
  checkValues(reference, 'reference');
  checkValues(current, 'current');
  const ref = countValues(reference);
  const cur = countValues(current);
  const keys = unionKeys(ref, cur);
  const kNorm = current.length / reference.length;
  const fExp = new Float64Array(keys.length);
  const fObs = new Float64Array(keys.length);
  keys.forEach((key, i) => {
    fExp[i] = (ref.get(key) ?? 0) * kNorm;
    fObs[i] = cur.get(key) ?? 0;
  });
  return chisquare(fObs, fExp);
}
