/**
 * The Jensen-Shannon distance, equal to SciPy's `scipy.spatial.distance.jensenshannon(p, q)` (natural logarithm),
 * and Evidently's use of it on binned samples, its default drift measure for categorical and few-valued columns of
 * large reference sets.
 */

import type { ColumnType } from '../../profile/types.js';
import { fail } from '../../errors.js';
import { binnedShares } from './binning.js';
import { pairwiseSum } from './pairwise-sum.js';
import type { DriftValue } from './sample.js';

/**
 * SciPy's rel_entr(x, y): x·ln(x/y), 0 when x = 0 and y >= 0, +∞ otherwise. Like SciPy (xsf), ln(x/y) is taken
 * as log1p((x - y)/y) when x and y are within a factor 2, which matters: for nearly equal distributions the
 * divergence is a small sum of such terms with both signs.
 */
function relEntr(x: number, y: number): number {
  if (x <= 0 || y <= 0) return x === 0 && y >= 0 ? 0 : Infinity;
  const ratio = x / y;
  if (ratio > 0.5 && ratio < 2) return x * Math.log1p((x - y) / y);
  if (ratio > Number.MIN_VALUE * 2 ** 52 && ratio < Infinity) return x * Math.log(ratio);
  return x * (Math.log(x) - Math.log(y));
}

/**
 * √(JS(p, q)) with JS the Jensen-Shannon divergence in nats, after normalising p and q to sum to 1 (as SciPy does,
 * so counts work too). Symmetric, 0 for identical inputs, at most √(ln 2). Fails (INVALID_REQUEST) on vectors of
 * different lengths, empty ones, or non-finite entries; zero totals give NaN, as in SciPy.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const k = p.length;
  if (k === 0) throw fail('INVALID_REQUEST', 'p must not be empty', { argument: 'p' });
  if (q.length !== k) throw fail('INVALID_REQUEST', 'p and q must have the same length', { p: k, q: q.length });
  for (let i = 0; i < k; i++) {
    const a = p[i];
    const b = q[i];
    if (typeof a !== 'number' || !Number.isFinite(a) || typeof b !== 'number' || !Number.isFinite(b)) {
      throw fail('INVALID_REQUEST', `entry ${i} is not a finite number`, { index: i });
    }
  }
  const sp = pairwiseSum(p);
  const sq = pairwiseSum(q);
  const left = new Float64Array(k);
  const right = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    left[i] = relEntr(a, m);
    right[i] = relEntr(b, m);
  }
  return Math.sqrt((pairwiseSum(left) + pairwiseSum(right)) / 2);
}

/**
 * Evidently's Jensen-Shannon drift measure (`_jensenshannon`): the distance between the reference and current
 * shares in Evidently's bins, without zero filling. Drift at >= 0.1 by default.
 */
export function jensenShannonTest(
  reference: ArrayLike<DriftValue>,
  current: ArrayLike<DriftValue>,
  type: ColumnType,
): number {
  const shares = binnedShares(reference, current, type, false);
  return jensenShannonDistance(shares.reference, shares.current);
}
