/**
 * The Population Stability Index as Evidently computes it (`_psi`): Σ (r - c) · ln(r / c) over the shares r, c of
 * the reference and current samples in Evidently's bins, with empty bins filled (see binning.ts) so that no share
 * is zero. Drift at >= 0.1 by default.
 */

import type { ColumnType } from '../../profile/types.js';
import { binnedShares } from './binning.js';
import { pairwiseSum } from './pairwise-sum.js';
import type { DriftValue } from './sample.js';

/** Σ (r - c) · ln(r / c) for two share vectors of the same length without zeros. */
export function psiOfShares(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const terms = new Float64Array(reference.length);
  for (let i = 0; i < terms.length; i++) {
    const r = reference[i]!;
    const c = current[i]!;
    terms[i] = (r - c) * Math.log(r / c);
  }
  return pairwiseSum(terms);
}

/**
 * Evidently's PSI of `current` against `reference`. Fails (INVALID_REQUEST) on an empty sample, a non-finite
 * number, or non-numbers in a numerical column that is binned by range.
 */
export function psi(reference: ArrayLike<DriftValue>, current: ArrayLike<DriftValue>, type: ColumnType): number {
  const shares = binnedShares(reference, current, type, true);
  return psiOfShares(shares.reference, shares.current);
}
