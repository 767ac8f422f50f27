/**
 * The error function, its complement and the standard normal CDF, accurate to about one ulp, for the Z test's
 * p-value. JavaScript has no Math.erf; the usual short approximations (Abramowitz-Stegun 7.1.26, Numerical
 * Recipes' erfcc) are good to 1e-7 only, which is not enough to agree with SciPy on small p-values.
 *
 * The method and coefficients are those of FreeBSD's msun s_erf.c (the fdlibm lineage also used by musl):
 *   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *   Developed at SunPro, a Sun Microsystems, Inc. business.
 *   Permission to use, copy, modify, and distribute this software is freely granted, provided that this notice
 *   is preserved.
 * Rational approximations on [0, 0.84375), [0.84375, 1.25), [1.25, 1/0.35) and [1/0.35, 28); beyond that erfc
 * underflows. In the tails exp(-x²) is evaluated as exp(-s²)·exp((s - x)(s + x)) with s = x cut to 32 significant
 * bits, so that the large square loses no precision.
 */

const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
const EFX8 = 1.02703333676410069053;
const PP = [
  1.28379167095512558561e-1, -3.25042107247001499370e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3,
  -2.37630166566501626084e-5,
] as const;
const QQ = [
  3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4,
  -3.96022827877536812320e-6,
] as const;
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1,
  -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.16637559486879084300e-3,
] as const;
const QA = [
  1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1,
  1.36370839120290507362e-2, 1.19844998467991074170e-2,
] as const;
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1,
  -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592,
] as const;
const SA = [
  1.96512716674392571292e1, 1.37657754143519042600e2, 4.34565877475229228821e2, 6.45387271733267880336e2,
  4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
] as const;
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2,
  -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2,
] as const;
const SB = [
  3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3,
  2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1,
] as const;

const scratch = new DataView(new ArrayBuffer(8));

/** The high 32 bits of the double `x` (sign, exponent, top of the mantissa). */
function highWord(x: number): number {
  scratch.setFloat64(0, x);
  return scratch.getUint32(0);
}

/** `x` with the low 32 bits of its mantissa cleared. */
function clearLowWord(x: number): number {
  scratch.setFloat64(0, x);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

/** c0 + z·(c1 + z·(c2 + ...)) */
function horner(c: readonly number[], z: number): number {
  let r = c[c.length - 1]!;
  for (let i = c.length - 2; i >= 0; i--) r = c[i]! + z * r;
  return r;
}

/** 1 + z·(c0 + z·(c1 + ...)) */
function horner1(c: readonly number[], z: number): number {
  return 1 + z * horner(c, z);
}

/** exp(-x² - 0.5625 + R/S)/x for x >= 1.25: the tail form shared by erf and erfc. */
function tail(ax: number): number {
  const s = 1 / (ax * ax);
  let r: number;
  let q: number;
  if (ax < 1 / 0.35) {
    r = horner(RA, s);
    q = horner1(SA, s);
  } else {
    r = horner(RB, s);
    q = horner1(SB, s);
  }
  const z = clearLowWord(ax);
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + r / q)) / ax;
}

/** The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return x > 0 ? 1 : -1;
  const ax = Math.abs(x);
  const hx = highWord(ax);
  if (hx < 0x3feb0000) {
    // |x| < 0.84375
    if (hx < 0x3e300000) return hx < 0x00800000 ? 0.125 * (8 * x + EFX8 * x) : x + EFX * x;
    const z = x * x;
    return x + x * (horner(PP, z) / horner1(QQ, z));
  }
  if (hx < 0x3ff40000) {
    // 0.84375 <= |x| < 1.25
    const s = ax - 1;
    const pq = horner(PA, s) / horner1(QA, s);
    return x >= 0 ? ERX + pq : -ERX - pq;
  }
  if (hx >= 0x40180000) return x >= 0 ? 1 : -1; // |x| >= 6
  const r = tail(ax);
  return x >= 0 ? 1 - r : r - 1;
}

/** The complementary error function erfc(x) = 1 - erf(x), accurate in the upper tail (no cancellation). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return x > 0 ? 0 : 2;
  const ax = Math.abs(x);
  const hx = highWord(ax);
  if (hx < 0x3feb0000) {
    // |x| < 0.84375
    if (hx < 0x3c700000) return 1 - x;
    const z = x * x;
    const y = horner(PP, z) / horner1(QQ, z);
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (hx < 0x3ff40000) {
    // 0.84375 <= |x| < 1.25
    const s = ax - 1;
    const pq = horner(PA, s) / horner1(QA, s);
    return x >= 0 ? 1 - ERX - pq : 1 + (ERX + pq);
  }
  if (hx < 0x403c0000) {
    // |x| < 28
    if (x < 0 && hx >= 0x40180000) return 2; // x <= -6
    const r = tail(ax);
    return x > 0 ? r : 2 - r;
  }
  return x > 0 ? 0 : 2;
}

/**
 * The standard normal CDF Φ(a), as SciPy's `ndtr` (Cephes): 0.5 + 0.5·erf(a/√2) near the centre, 0.5·erfc(|a|/√2)
 * in the tails (and 1 minus that on the right), so the left tail keeps full relative accuracy.
 */
export function normalCdf(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  if (z < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}
