/**
 * numpy's summation of a float64 array (`np.sum`, `ndarray.sum`), to the bit: pairwise summation with eight
 * interleaved accumulators on blocks of at most 128 values. SciPy's statistics sum their terms this way; using the
 * same order makes results agree to the last bit where the operations are otherwise the same, and keeps the
 * rounding error O(log n) instead of O(n).
 */

const BLOCK = 128;

/** The numpy sum of `values[from .. from + n)` (the whole array by default). */
export function pairwiseSum(values: ArrayLike<number>, from = 0, n = values.length - from): number {
  if (n < 8) {
    let s = 0;
    for (let i = from; i < from + n; i++) s += values[i]!;
    return s;
  }
  if (n <= BLOCK) {
    let r0 = values[from]!;
    let r1 = values[from + 1]!;
    let r2 = values[from + 2]!;
    let r3 = values[from + 3]!;
    let r4 = values[from + 4]!;
    let r5 = values[from + 5]!;
    let r6 = values[from + 6]!;
    let r7 = values[from + 7]!;
    const whole = n - (n % 8);
    let i = 8;
    for (; i < whole; i += 8) {
      const k = from + i;
      r0 += values[k]!;
      r1 += values[k + 1]!;
      r2 += values[k + 2]!;
      r3 += values[k + 3]!;
      r4 += values[k + 4]!;
      r5 += values[k + 5]!;
      r6 += values[k + 6]!;
      r7 += values[k + 7]!;
    }
    let s = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) s += values[from + i]!;
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, from, half) + pairwiseSum(values, from + half, n - half);
}
