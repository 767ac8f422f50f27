/**
 * The two-sample Kolmogorov-Smirnov test, equal to SciPy's `scipy.stats.ks_2samp(a, b)` with its defaults
 * (alternative 'two-sided', method 'auto'), which is what Evidently runs for numerical columns of small reference
 * sets.
 *
 * SciPy's 'auto' rule: exact p-value when max(n₁, n₂) <= 10000, else asymptotic. The exact p-value counts lattice
 * paths (Hodges 1958): for n₁ = n₂ the closed alternating sum in Horner form (`probOutsideSquare`), otherwise the
 * "inside" recursion rewritten to give 1 - p directly (Viehmann 2021, `probOutsideBand`). When the exact answer
 * falls outside [0, 1] (rounding can push it just above 1 for tiny statistics) SciPy warns and falls back to the
 * asymptotic p-value; so does this. The asymptotic p-value is kstwo.sf(d, round(n₁n₂/(n₁+n₂))).
 *
 * In the exact branch SciPy reports the statistic as h/lcm(n₁, n₂) with h = round(d·lcm), the lattice value the
 * p-value was computed for; it is returned the same way (it differs from d in the last bits at most).
 */

import { kstwoSf } from './kstwo.js';
import { roundHalfEven, sortedFinite } from './sample.js';

/** SciPy's MAX_AUTO_N: 'auto' is exact when both samples have at most this many values. */
const MAX_EXACT_N = 10000;

/** The result of a two-sample KS test. */
export interface KsResult {
  /** The largest distance between the two empirical CDFs, in [0, 1]. */
  readonly statistic: number;
  /** Two-sided p-value, in [0, 1]. */
  readonly pvalue: number;
}

/**
 * The two-sided KS statistic of two sorted samples: max over all observed values v of
 * |#{a <= v}/n₁ - #{b <= v}/n₂|, each fraction rounded as SciPy rounds it. One merge pass, no allocation.
 */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= v) i++;
    while (j < n2 && b[j]! <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  const minS = Math.min(1, Math.max(0, -minDiff));
  return minS > maxDiff ? minS : maxDiff;
}

function gcd(x: number, y: number): number {
  let p = x;
  let q = y;
  while (q !== 0) [p, q] = [q, p % q];
  return p;
}

/**
 * P(D_{n,n} >= h/n): the share of lattice paths from (0,0) to (n,n) that touch the lines x - y = ±h.
 * 2·Σ_k (-1)^(k+1) C(2n, n - kh)/C(2n, n), evaluated as 2·A₁(1 - A₂(1 - A₃(...))) to avoid cancellation.
 */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D_{m,n} >= h/lcm(m,n)) for m ≠ n: one minus the share of lattice paths from (0,0) to (m,n) that stay strictly
 * inside |x/m - y/n| < h/lcm(m,n). Column by column over a sliding window, with the recursion for 1 - p so that
 * small p-values keep their precision. `g` is gcd(m, n).
 */
export function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const a = new Float64Array(lenA).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}

/**
 * SciPy's exact two-sided p-value for statistic d. Returns the lattice statistic h/lcm and the p-value, or
 * `ok: false` when the computation left [0, 1] (SciPy then falls back to the asymptotic p-value).
 */
function exactPvalue(n1: number, n2: number, g: number, d: number): { ok: boolean; d: number; p: number } {
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dh = h / lcm;
  if (h === 0) return { ok: true, d: dh, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  return { ok: p >= 0 && p <= 1, d: dh, p };
}

/**
 * The two-sample Kolmogorov-Smirnov test of `a` against `b`, equal to `scipy.stats.ks_2samp(a, b)`. Both samples
 * must be non-empty and finite (INVALID_REQUEST otherwise); they are copied and sorted once, never modified.
 */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const sa = sortedFinite(a, 'a');
  const sb = sortedFinite(b, 'b');
  const n1 = sa.length;
  const n2 = sb.length;
  let d = ksStatistic(sa, sb);

  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const exact = exactPvalue(n1, n2, gcd(n1, n2), d);
    d = exact.d;
    if (exact.ok) return { statistic: d, pvalue: exact.p };
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  const p = kstwoSf(roundHalfEven(en), d);
  return { statistic: d, pvalue: Math.min(1, Math.max(0, p)) };
}
