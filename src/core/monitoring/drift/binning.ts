/**
 * Evidently's binning of two samples into shares per bin (`get_binned_data`), which feeds PSI and Jensen-Shannon:
 * - a numerical column with more than 20 distinct reference values gets equal-width bins from
 *   `numpy.histogram_bin_edges(reference ∪ current, bins="sturges")`, and each sample is counted with
 *   `numpy.histogram` on those edges;
 * - anything else gets one bin per distinct value of either sample.
 * Shares are counts divided by the sample size. With zero filling (PSI, not JS) an empty bin takes
 * min(non-zero share) / 10⁶ when that minimum is <= 0.0001, else 0.0001, separately for each sample.
 *
 * The Sturges edges are written here rather than shared with the profile's histogram on purpose: drift needs
 * numpy's exact edges (its linspace arithmetic decides which bin a value on an edge falls in).
 */

import type { ColumnType } from '../../profile/types.js';
import { checkValues, countValues, finiteCopy, unionKeys, type DriftValue } from './sample.js';
import { sturgesBinEdges } from '../../profile/histogram.js';

/** Evidently bins a numerical column by value ranges only when the reference has more distinct values than this. */
const MAX_VALUES_BINNED_BY_VALUE = 20;
/** Evidently's share for an empty bin (when no share is already this small). */
const EMPTY_SHARE = 0.0001;

/**
 * numpy's `histogram_bin_edges(values, bins="sturges")` for float data: ⌈ptp / (ptp / (log₂ n + 1))⌉ equal bins
 * over [min, max] (widened by ±0.5 when all values are equal), edges by numpy's linspace (i·step + min, the last
 * edge exactly max). Fails (INVALID_REQUEST) on an empty or non-finite sample.
 */
export function sturgesEdges(values: ArrayLike<number>): Float64Array {
  const x = finiteCopy(values, 'values');
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // The profile's edges are the same numpy rule (one implementation for profiles and drift).
  return Float64Array.from(sturgesBinEdges(min, max, x.length));
}

/**
 * numpy's `histogram(values, edges)` counts: bin i holds edges[i] <= v < edges[i+1], the last bin also its right
 * edge; values outside the edges are not counted.
 */
export function histogramCounts(values: ArrayLike<number>, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(Math.max(bins, 0));
  if (bins < 1) return counts;
  const lo = edges[0]!;
  const hi = edges[bins]!;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!(v >= lo && v <= hi)) continue;
    if (v === hi) {
      counts[bins - 1]!++;
      continue;
    }
    // The last edge <= v.
    let a = 0;
    let b = bins;
    while (b - a > 1) {
      const mid = (a + b) >>> 1;
      if (edges[mid]! <= v) a = mid;
      else b = mid;
    }
    counts[a]!++;
  }
  return counts;
}

/** Two samples as shares per common bin (see the file comment). */
export interface BinnedShares {
  /** The bin edges for a numerical column binned by range, else null. */
  readonly edges: Float64Array | null;
  /** The value of each bin when binned per value (reference's values first, in order of appearance), else null. */
  readonly keys: readonly DriftValue[] | null;
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

/**
 * Evidently's `get_binned_data(reference, current, type, n, fillZeroes)`. Numerical binning by range needs numbers
 * (INVALID_REQUEST otherwise); empty samples and non-finite numbers are refused.
 */
export function binnedShares(
  reference: ArrayLike<DriftValue>,
  current: ArrayLike<DriftValue>,
  type: ColumnType,
  fillZeroes: boolean,
): BinnedShares {
  checkValues(reference, 'reference');
  checkValues(current, 'current');
  const ref = countValues(reference);
  let result: BinnedShares;
  if (type === 'numerical' && ref.size > MAX_VALUES_BINNED_BY_VALUE) {
    const r = finiteCopy(reference as ArrayLike<number>, 'reference');
    const c = finiteCopy(current as ArrayLike<number>, 'current');
    const all = new Float64Array(r.length + c.length);
    all.set(r);
    all.set(c, r.length);
    const edges = sturgesEdges(all);
    result = {
      edges,
      keys: null,
      reference: divide(histogramCounts(r, edges), r.length),
      current: divide(histogramCounts(c, edges), c.length),
    };
  } else {
    const cur = countValues(current);
    const keys = unionKeys(ref, cur);
    const rs = new Float64Array(keys.length);
    const cs = new Float64Array(keys.length);
    keys.forEach((key, i) => {
      rs[i] = (ref.get(key) ?? 0) / reference.length;
      cs[i] = (cur.get(key) ?? 0) / current.length;
    });
    result = { edges: null, keys, reference: rs, current: cs };
  }
  if (fillZeroes) {
    fillEmpty(result.reference);
    fillEmpty(result.current);
  }
  return result;
}

function divide(counts: Float64Array, n: number): Float64Array {
  for (let i = 0; i < counts.length; i++) counts[i]! /= n;
  return counts;
}

/** Evidently's zero filling, in place: empty bins take min(non-zero) / 10⁶ if that is <= 0.0001, else 0.0001. */
export function fillEmpty(shares: Float64Array): void {
  let min = Infinity;
  for (let i = 0; i < shares.length; i++) if (shares[i]! !== 0 && shares[i]! < min) min = shares[i]!;
  if (min === Infinity) return; // no non-zero share: Evidently would fail; there is nothing sensible to fill
  const fill = min <= EMPTY_SHARE ? min / 10 ** 6 : EMPTY_SHARE;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
}
