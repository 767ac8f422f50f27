/**
 * Mean and sample standard deviation, computed the way numpy does (`np.mean`, `np.std(ddof=1)`: a sum divided by
 * n, then the sum of squared deviations from that mean) but with compensated (Neumaier) sums, so the result does
 * not depend on the order or the number of the values beyond the last bit or two.
 */

/** Mean and sample standard deviation of some values. */
export interface Moments {
  readonly mean: number;
  /** Sample standard deviation (ddof = 1); 0 when there are fewer than two values. */
  readonly std: number;
}

/**
 * Mean and sample standard deviation (ddof = 1) of finite values, in two passes. No values give 0 and 0 (a profile
 * must stay JSON, where NaN cannot go); one value gives std 0. Values near ±1.8e308, whose sums overflow, are
 * scaled by a power of two first, so the answer stays finite whenever it is representable.
 */
export function moments(values: ArrayLike<number>): Moments {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 0 };
  let mean = sum(values, 0, 1) / n;
  if (!Number.isFinite(mean)) mean = sum(values, 0, 2 ** -64) / n / 2 ** -64;
  if (n < 2) return { mean, std: 0 };
  let ss = sum(values, mean, 1, true);
  let scale = 1;
  if (!Number.isFinite(ss)) {
    scale = 2 ** -600;
    ss = sum(values, mean, scale, true);
  }
  return { mean, std: Math.sqrt(ss / (n - 1)) / scale };
}

/** Neumaier's compensated sum of (v - shift)·scale, or of its square when `square`. */
function sum(values: ArrayLike<number>, shift: number, scale: number, square = false): number {
  const shifted = shift * scale;
  let s = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i]! * scale - shifted; // scaled before the subtraction, which could overflow otherwise
    if (square) v *= v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}
