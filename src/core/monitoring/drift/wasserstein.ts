/**
 * The first Wasserstein (earth mover's) distance between two 1-D samples, equal to SciPy's
 * `scipy.stats.wasserstein_distance(u, v)` without weights, and Evidently's normed variant, its default drift
 * measure for numerical columns of large reference sets.
 */

import { pairwiseSum } from './pairwise-sum.js';
import { finiteCopy, sortedFinite } from './sample.js';

/** Evidently's floor for the reference standard deviation, so a constant reference does not divide by zero. */
const MIN_NORM = 0.001;

/**
 * ∫ |U(x) - V(x)| dx for the empirical CDFs U, V of `u` and `v` (same units as the values). Both samples must be
 * non-empty and finite (INVALID_REQUEST otherwise); they are copied and sorted, never modified.
 */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return distanceOfSorted(sortedFinite(u, 'u'), sortedFinite(v, 'v'));
}

function distanceOfSorted(su: Float64Array, sv: Float64Array): number {
  const nu = su.length;
  const nv = sv.length;
  // Walk the merged order; between consecutive distinct values x < x' both CDFs are constant, so the integral
  // gains |i/nu - j/nv| (x' - x) with i, j the counts of values <= x, as in SciPy's _cdf_distance.
  let i = 0;
  let j = 0;
  let total = 0;
  let x = Math.min(su[0]!, sv[0]!);
  for (;;) {
    while (i < nu && su[i]! <= x) i++;
    while (j < nv && sv[j]! <= x) j++;
    if (i === nu && j === nv) break;
    const next = j >= nv || (i < nu && su[i]! <= sv[j]!) ? su[i]! : sv[j]!;
    total += Math.abs(i / nu - j / nv) * (next - x);
    x = next;
  }
  return total;
}

/**
 * The population standard deviation (ddof = 0, numpy's `np.std` default), by the two-pass formula. Fails
 * (INVALID_REQUEST) on an empty sample or a non-finite value; `name` names the argument in the error.
 */
export function populationStd(values: ArrayLike<number>, name = 'values'): number {
  return stdOf(finiteCopy(values, name));
}

function stdOf(x: Float64Array): number {
  const n = x.length;
  const mean = pairwiseSum(x) / n;
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    squares[i] = d * d;
  }
  return Math.sqrt(pairwiseSum(squares) / n);
}

/**
 * Evidently's normed Wasserstein distance (`_wasserstein_distance_norm`):
 * wasserstein_distance(reference, current) / max(std(reference), 0.001), with the population standard deviation
 * (Evidently calls `np.std` on the pandas Series, which passes ddof = 0). Unitless; drift at >= 0.1 by default.
 */
export function wassersteinNormed(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const ref = finiteCopy(reference, 'reference');
  const cur = sortedFinite(current, 'current');
  const norm = Math.max(stdOf(ref), MIN_NORM); // in the given order, so the sums round as numpy's do
  return distanceOfSorted(ref.sort(), cur) / norm;
}
