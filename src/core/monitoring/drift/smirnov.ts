/**
 * The one-sided Kolmogorov-Smirnov (Smirnov) distribution: P(D⁺ₙ >= x) for n observations, as SciPy's
 * `scipy.special.smirnov(n, x)`. The two-sided finite-n distribution (kstwo.ts) uses 2·smirnov in its upper tail.
 *
 * Birnbaum and Tingey's sum
 *   P(D⁺ₙ >= x) = x Σ_{v=0}^{⌊n(1-x)⌋} C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)
 * has only positive terms. SciPy (xsf's kolmogorov.h, after van Mulbregt 2018) evaluates it in double-double
 * arithmetic; here each term is formed in logarithms from the exact split n·x = ⌊n·x⌋ + α, which keeps the bases
 * 1 - x - v/n accurate where they are small and agrees with SciPy to about 1e-12 relative. The same special cases
 * and the same early stop (when the remaining terms cannot reach the last bit) are kept.
 */

const MINLOG = -7.08396418532264106224e2; // Cephes' MINLOG: exp() of anything below is 0
const MAX_COMPUTE_N = 1_000_000; // beyond this SciPy uses an approximation, as here
const DBL_EPSILON = 2.220446049250313e-16;

/** Dekker's split of a double into two halves of 26 bits, for an exact product without FMA. */
function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** ⌊n·x⌋ and the fractional part α = n·x - ⌊n·x⌋, computed from the exact product. */
function splitNx(n: number, x: number): { floor: number; alpha: number } {
  const p = n * x;
  const [nh, nl] = split(n);
  const [xh, xl] = split(x);
  const err = nh * xh - p + nh * xl + nl * xh + nl * xl;
  let floor = Math.floor(p);
  let alpha = p - floor + err;
  if (alpha < 0) {
    floor -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    floor += 1;
    alpha -= 1;
  }
  return { floor, alpha };
}

/** P(D⁺ₙ >= x), SciPy's `smirnov(n, x)`. NaN outside n >= 1, 0 <= x <= 1. */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && Number.isInteger(n) && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;

  const { floor: nxfl, alpha } = splitNx(n, x);
  let lastV = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) lastV -= 1; // the term with 1 - x - v/n = 0 contributes nothing

  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    // x <= 1/n: P(D⁺ <= x) = x (1 + x)^(n-1)
    return 1 - x * Math.exp((n - 1) * Math.log1p(x));
  }
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) return Math.exp(n * Math.log1p(-x)); // x >= 1 - 1/n: (1 - x)^n
  if (n > MAX_COMPUTE_N) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }

  const nTerms = lastV + 1;
  let sum = Math.exp(n * Math.log1p(-x)) / x; // v = 0
  // log C(n, v), summed with a compensation term: the sum reaches thousands, where plain addition would lose
  // about 1e-13 per step over tens of thousands of steps.
  let logBinomial = Math.log(n); // log C(n, 1)
  let logBinomialLow = 0;
  const vmid = Math.floor(n / 2);
  for (let v = 1; v < nTerms; v++) {
    const up = (nxfl + v + alpha) / n; // x + v/n from the exact split of n·x
    const logUp = Math.log(up);
    // log(1 - x - v/n): log1p keeps it accurate when it is small, where (n - v) multiplies its error.
    const logDown = Math.log1p(-up);
    const term = Math.exp(logBinomial + (v - 1) * logUp + (n - v) * logDown + logBinomialLow);
    if (Number.isFinite(term) && term !== 0) sum += term;
    if (term !== 0) {
      if (4 * (nTerms - v) * Math.abs(term) < DBL_EPSILON * sum && v !== nTerms - 1) break;
    } else if (v > vmid) {
      break;
    }
    const step = Math.log((n - v) / (v + 1));
    const next = logBinomial + step;
    logBinomialLow += Math.abs(logBinomial) >= Math.abs(step) ? logBinomial - next + step : step - next + logBinomial;
    logBinomial = next;
  }
  const sf = x * sum;
  return Math.min(1, Math.max(0, sf));
}
