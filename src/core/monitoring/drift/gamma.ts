/**
 * The log-gamma function and the regularized incomplete gamma functions, for the chi-square p-value
 * (SciPy's `chdtrc(df, x) = igamc(df/2, x/2)`).
 *
 * P(a, x) by its power series where x < a + 1, Q(a, x) by Legendre's continued fraction (modified Lentz) elsewhere,
 * as in Numerical Recipes §6.2 and Cephes' igam.c: each is evaluated where it converges fast and where the
 * function asked for is not a small difference of two numbers near 1, so the upper tail keeps its relative accuracy
 * down to the smallest doubles.
 */

const EPS = 2.220446049250313e-16;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 1_000_000;
const HALF_LOG_2PI = 0.9189385332046728; // log(2π)/2

/** B_2k / (2k (2k - 1)) for k = 1..8: Stirling's series for log Γ(x) - ((x - ½) log x - x + ½ log 2π). */
const STIRLING = [
  1 / 12,
  -1 / 360,
  1 / 1260,
  -1 / 1680,
  1 / 1188,
  -691 / 360360,
  1 / 156,
  -3617 / 122400,
] as const;

/**
 * log Γ(x) for x > 0, to about 1e-15 relative. Arguments below 15 are shifted up by the recurrence
 * Γ(x + 1) = x Γ(x), where Stirling's series with eight terms is below double precision.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (!Number.isFinite(x)) return x;
  let shift = 0;
  let y = x;
  if (y < 15) {
    let product = 1;
    while (y < 15) {
      product *= y;
      y += 1;
    }
    shift = Math.log(product);
  }
  return (y - 0.5) * Math.log(y) - y + HALF_LOG_2PI + stirlingCorrection(y) - shift;
}

/**
 * Stirling's correction log Γ(y) - ((y - ½) log y - y + ½ log 2π) for y >= 15, to about 1e-17 absolute. Exported for
 * differences of log-gammas at large arguments (the incomplete beta function's log B(a, b)), which subtracting two
 * `logGamma` values would lose to cancellation.
 */
export function stirlingCorrection(y: number): number {
  const r = 1 / y;
  const r2 = r * r;
  let series = STIRLING[7];
  for (let k = 6; k >= 0; k--) series = STIRLING[k]! + r2 * series;
  return r * series;
}

/** x^a e^(-x) / Γ(a), the factor in front of both the series and the continued fraction. */
function prefactor(a: number, x: number): number {
  return Math.exp(a * Math.log(x) - x - logGamma(a));
}

/** P(a, x) by its series; use where x < a + 1. */
function lowerSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * prefactor(a, x);
}

/** Q(a, x) by its continued fraction; use where x >= a + 1. */
function upperFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return prefactor(a, x) * h;
}

/** The regularized lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a), with Cephes' edge cases. */
export function gammaP(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || x < 0 || a < 0) return NaN;
  if (a === 0) return x > 0 ? 1 : NaN;
  if (x === 0) return 0;
  if (!Number.isFinite(a)) return Number.isFinite(x) ? 0 : NaN;
  if (!Number.isFinite(x)) return 1;
  return x < a + 1 ? lowerSeries(a, x) : 1 - upperFraction(a, x);
}

/** The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a) (Cephes' igamc), with its edge cases. */
export function gammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || x < 0 || a < 0) return NaN;
  if (a === 0) return x > 0 ? 0 : NaN;
  if (x === 0) return 1;
  if (!Number.isFinite(a)) return Number.isFinite(x) ? 1 : NaN;
  if (!Number.isFinite(x)) return 0;
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x);
}

/** The chi-square survival function with `df` degrees of freedom (SciPy's `chdtrc`): 1 for x < 0. */
export function chiSquareSf(df: number, x: number): number {
  if (x < 0) return 1;
  return gammaQ(df / 2, x / 2);
}
