/**
 * Histograms the way numpy builds them: `np.histogram_bin_edges(values, bins="sturges")` for the edges and
 * `np.histogram(values, bins=edges)` for the counts. The training profile stores these edges and the drift
 * statistics count live values into the same edges, so both must follow one rule.
 */
import { fail } from '../errors.js';

/**
 * numpy's Sturges edges for finite values with the given minimum, maximum and count: width = (max - min) /
 * (log2(n) + 1), bins = ceil((max - min) / width) (usually ceil(log2(n)) + 1, computed the same way numpy does so
 * rounding agrees), edges spaced as `np.linspace(min, max, bins + 1)`.
 *
 * As numpy: no values give [0, 1] with one bin; min == max widens the range by 0.5 each side with one bin. Unlike
 * numpy (which raises), a constant so large that ±0.5 does not change it is widened by a relative amount instead.
 * Throws INVALID_REQUEST when min or max is not finite, min > max, or max - min overflows.
 */
export function sturgesBinEdges(min: number, max: number, count: number): number[] {
  if (count === 0) return [0, 1];
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw fail('INVALID_REQUEST', `cannot bin values over [${min}, ${max}]`, { min, max });
  }
  if (min === max) {
    let half = 0.5;
    if (min - half === min || min + half === max) half = Math.abs(min) * 2 ** -50;
    return [min - half, max + half];
  }
  const delta = max - min;
  if (!Number.isFinite(delta)) {
    throw fail('INVALID_REQUEST', `the range [${min}, ${max}] is too wide to bin`, { min, max });
  }
  const width = delta / (Math.log2(count) + 1);
  const bins = Math.ceil(delta / width);
  return linspace(min, max, bins + 1);
}

/** `np.histogram_bin_edges(values, bins="sturges")` for finite values in any order (see `sturgesBinEdges`). */
export function histogramBinEdges(values: ArrayLike<number>): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return sturgesBinEdges(min, max, values.length);
}

/**
 * Counts per bin with numpy's rule: bin i holds e[i] <= v < e[i+1], the last bin also v == e[last]. Values below
 * the first edge, above the last, or NaN are not counted. `edges` must be non-decreasing, at least two.
 */
export function histogramCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  checkEdges(edges);
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const first = edges[0]!;
  const last = edges[bins]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= first && v <= last)) continue;
    counts[binOf(v, edges)]!++;
  }
  return counts;
}

/** `histogramCounts` for values sorted ascending: one walk instead of a search per value. */
export function histogramCountsSorted(sorted: ArrayLike<number>, edges: readonly number[]): number[] {
  checkEdges(edges);
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const first = edges[0]!;
  const last = edges[bins]!;
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (!(v >= first)) continue; // below the range (or NaN, which sorts last and never passes either test)
    if (!(v <= last)) break;
    while (bin < bins - 1 && v >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  return counts;
}

/** The bin of a value inside [edges[0], edges[last]]: the last i < bins with edges[i] <= v. */
function binOf(v: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (edges[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function checkEdges(edges: readonly number[]): void {
  if (edges.length < 2) throw fail('INVALID_REQUEST', 'a histogram needs at least two edges', { edges: edges.length });
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i]!) || (i > 0 && edges[i - 1]! > edges[i]!)) {
      throw fail('INVALID_REQUEST', 'histogram edges must be finite and non-decreasing', { index: i });
    }
  }
}

/** `np.linspace(start, stop, num)` with `num >= 2`: i·step + start, the last edge exactly `stop`. */
function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const out = new Array<number>(num);
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  out[div] = stop;
  return out;
}
