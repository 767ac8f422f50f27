/**
 * The regularized incomplete beta function and Student's t distribution, for Welch's t test of an A/B experiment.
 * Pure.
 *
 * I_x(a, b) is evaluated as in Numerical Recipes §6.4 (`betai`/`betacf`): the prefactor x^a y^b / (a B(a, b)) times
 * the continued fraction of A&S 26.5.8, evaluated by the modified Lentz method, where x < (a + 1)/(a + b + 2) (it
 * converges there in O(√max(a, b)) steps), and 1 - I_y(b, a) elsewhere. Two details keep the prefactor exact to a
 * few ulps where the textbook version loses digits:
 * - the caller may pass y = 1 - x computed apart (for t, y = t²/(ν + t²)), and log x is log1p(-y) when x is near 1,
 *   so a·log x keeps its digits when a is large;
 * - log B(a, b) for a large argument takes log Γ(a + b) - log Γ(a) as (a - ½)·log1p(b/a) + b·log(a + b) - b plus the
 *   difference of Stirling's corrections, instead of subtracting two log-gammas near a·log a (which at ν = 10⁶ would
 *   leave about 1e-9).
 * The t distribution's two-sided p-value is P(|T| >= |t|) = I_{ν/(ν+t²)}(ν/2, ½) (A&S 26.7.1 with 26.5.27), SciPy's
 * `2 * stats.t.sf(abs(t), df)`. Vectors: test/fixtures/significance-vectors.json (scripts/significance-vectors.py).
 *
 * Accuracy against those vectors: about 1e-14 relative while a + b stays below 1e3 or so. The continued fraction
 * itself loses digits when a + b is large and x sits near (a + 1)/(a + b + 2) (its terms then cancel: for t about 2
 * that is every large ν), roughly 1e-16·(a + b) relative: 4e-11 at ν = 10⁶, 2e-9 at ν = 10⁸. That is far below
 * what could move a test's decision at 0.05; an asymptotic method (DiDonato and Morris' BGRAT) would be the fix if
 * it ever mattered.
 */

import { erfc } from '../monitoring/drift/erf.js';
import { logGamma, stirlingCorrection } from '../monitoring/drift/gamma.js';

const EPS = 2.220446049250313e-16;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 10_000_000;
/** Below this argument `stirlingCorrection` is not accurate; log-gammas are then small and subtract safely. */
const STIRLING_FROM = 15;

/** log Γ(big + small) - log Γ(big) for big >= STIRLING_FROM, without cancellation. */
function logGammaRatio(big: number, small: number): number {
  const sum = big + small;
  return (big - 0.5) * Math.log1p(small / big) + small * Math.log(sum) - small + (stirlingCorrection(sum) - stirlingCorrection(big));
}

/** log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b). */
export function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < STIRLING_FROM) return logGamma(a) + logGamma(b) - logGamma(a + b);
  return logGamma(small) - logGammaRatio(big, small);
}

/** The continued fraction of I_x(a, b) (A&S 26.5.8) by the modified Lentz method; use where x < (a+1)/(a+b+2). */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** x^a y^b / (a B(a, b)) with y = 1 - x, the logarithms taken from whichever of x, y is not near 1. */
function front(a: number, b: number, x: number, y: number): number {
  const logX = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  return Math.exp(a * logX + b * logY - logBeta(a, b)) / a;
}

/**
 * The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1. `y` is 1 - x; pass it when it is
 * known more accurately than `1 - x` rounds to (x near 1). NaN for a NaN argument, a, b <= 0 or x outside [0, 1].
 */
export function regularizedBeta(a: number, b: number, x: number, y: number = 1 - x): number {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (!(a > 0 && b > 0) || !Number.isFinite(a) || !Number.isFinite(b) || x < 0 || x > 1) return NaN;
  if (x === 0) return 0;
  // Not `x === 1`: x may round to 1 while the y given says how far below 1 it is.
  if (y === 0) return 1;
  if (x < (a + 1) / (a + b + 2)) return front(a, b, x, y) * betaFraction(a, b, x);
  return 1 - front(b, a, y, x) * betaFraction(b, a, y);
}

/**
 * The two-sided p-value of Student's t with `df` degrees of freedom (df > 0, fractions allowed): P(|T| >= |t|).
 * 1 at t = 0, 0 for an infinite t; df = Infinity is the normal distribution. NaN for a NaN argument or df <= 0.
 */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df) || !(df > 0)) return NaN;
  const at = Math.abs(t);
  if (at === 0) return 1;
  if (at === Infinity) return 0;
  if (df === Infinity) return erfc(at * Math.SQRT1_2);
  // x = ν/(ν + t²) and y = t²/(ν + t²), each formed without subtracting from 1 (and without t² overflowing).
  let x: number;
  let y: number;
  const t2 = at * at;
  if (t2 < df) {
    x = df / (df + t2);
    y = t2 / (df + t2);
  } else {
    const q = df / at / at;
    x = q / (1 + q);
    y = 1 / (1 + q);
  }
  return Math.min(1, regularizedBeta(df / 2, 0.5, x, y));
}

/** P(T > t) for Student's t with `df` degrees of freedom. */
export function studentTSf(t: number, df: number): number {
  const half = studentTTwoSided(t, df) / 2;
  return t >= 0 ? half : 1 - half;
}

/**
 * The t with P(T > t) = q (SciPy's `stats.t.isf(q, df)`), for 0 < q < 1: found by bisection on `studentTSf`, which
 * is monotone, down to adjacent doubles (quantiles are asked for once per report, so robustness wins over speed).
 * NaN for q outside (0, 1) or df <= 0.
 */
export function studentTInverseSf(q: number, df: number): number {
  if (!(q > 0 && q < 1) || Number.isNaN(df) || !(df > 0)) return NaN;
  if (q === 0.5) return 0;
  if (q > 0.5) return -studentTInverseSf(1 - q, df);
  let lo = 0;
  let hi = 1;
  while (studentTSf(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (hi === Infinity) return Infinity;
  }
  for (let i = 0; i < 2_000; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid === lo || mid === hi) break;
    if (studentTSf(mid, df) > q) lo = mid;
    else hi = mid;
  }
  return lo + (hi - lo) / 2;
}
