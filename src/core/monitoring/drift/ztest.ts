/**
 * Evidently's two-proportion Z test (`_z_stat_test`), its default for columns with at most two distinct values
 * in small reference sets: the share of values other than the smallest one is compared between the samples.
 */

import { normalCdf } from './erf.js';
import { checkValues, compareValues, countValues, type DriftValue } from './sample.js';

/** The result of a Z test. */
export interface ZTestResult {
  /** The Z statistic (reference share minus current share, over its pooled standard error); 0 when not computed. */
  readonly statistic: number;
  /** Two-sided p-value. */
  readonly pvalue: number;
}

/**
 * Evidently's `proportions_diff_z_stat_ind` for x₁ of n₁ and x₂ of n₂ successes:
 * (p₁ - p₂) / √(P(1 - P)(1/n₁ + 1/n₂)) with the pooled share P.
 */
export function proportionsZStat(x1: number, n1: number, x2: number, n2: number): number {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  return (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
}

/**
 * Evidently's two-sided p-value 2·(1 - Φ(|z|)). It is computed as Evidently does, through the CDF, so it
 * becomes exactly 0 once Φ(|z|) rounds to 1 (|z| beyond about 8.3), as in Evidently.
 */
export function zTestPvalue(z: number): number {
  return 2 * (1 - normalCdf(Math.abs(z)));
}

/**
 * Evidently's Z test of `current` against `reference`. When both samples hold one and the same value the p-value
 * is 1 (and the statistic 0). Otherwise the values are sorted (numbers ascending, strings by code point) and the
 * share of values other than the first is tested. Fails (INVALID_REQUEST) on an empty sample or a non-finite number.
 */
export function zTest(reference: ArrayLike<DriftValue>, current: ArrayLike<DriftValue>): ZTestResult {
  checkValues(reference, 'reference');
  checkValues(current, 'current');
  const ref = countValues(reference);
  const cur = countValues(current);
  if (ref.size === 1 && cur.size === 1 && cur.has(reference[0]!)) return { statistic: 0, pvalue: 1 };
  let first: DriftValue | undefined;
  for (const key of [...ref.keys(), ...cur.keys()]) {
    if (first === undefined || compareValues(key, first) < 0) first = key;
  }
  const n1 = reference.length;
  const n2 = current.length;
  const x1 = n1 - (ref.get(first!) ?? 0);
  const x2 = n2 - (cur.get(first!) ?? 0);
  const statistic = proportionsZStat(x1, n1, x2, n2);
  return { statistic, pvalue: zTestPvalue(statistic) };
}
