/**
 * Quantiles the way numpy computes them by default (`np.quantile(a, q)`, method "linear", Hyndman & Fan type 7),
 * so a profile computed here and one computed in a training notebook agree to the last bit.
 */
import { fail } from '../errors.js';

/** The quantile levels every numerical profile records. */
export const PROFILE_QUANTILE_LEVELS: readonly number[] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

/**
 * The `q`-quantile of `sorted` (ascending, finite, not empty): the value at virtual index (n - 1)·q, interpolated
 * linearly between its two neighbours with numpy's `_lerp` (which subtracts from the upper neighbour when the
 * weight is at least 0.5, for symmetry). Throws INVALID_REQUEST for an empty array or `q` outside [0, 1].
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw fail('INVALID_REQUEST', 'cannot take a quantile of no values');
  if (!(q >= 0 && q <= 1)) throw fail('INVALID_REQUEST', `quantile level ${q} is not in [0, 1]`, { q });
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1]!;
  const lo = Math.floor(virtual);
  const gamma = virtual - lo;
  return lerp(sorted[lo]!, sorted[lo + 1]!, gamma);
}

/** `quantileSorted` for several levels at once, in the order given. */
export function quantilesSorted(sorted: ArrayLike<number>, levels: readonly number[]): number[] {
  return levels.map((q) => quantileSorted(sorted, q));
}

/** numpy's `_lerp(a, b, t)`; falls back to the weighted sum when `b - a` overflows (numpy would return ±Infinity). */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  if (!Number.isFinite(diff)) return a * (1 - t) + b * t;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
