/**
 * IEEE 754 half precision (binary16) conversion. Node 20 has no Float16Array or Math.f16round, and onnxruntime
 * takes FP16 tensors as a Uint16Array of raw half bits, so the codecs convert numbers here.
 *
 * The conversion rounds straight from the double (never through float32, which would round twice and be wrong for
 * values just past a float32 halfway point) with round-to-nearest-even, and keeps subnormals.
 */

// A scratch view to read the bits of a double; big-endian reads make the layout independent of the platform.
const scratch = new DataView(new ArrayBuffer(8));

/** 2^(e - 25) for each half exponent field e: the weight of the integer significand (1024 + mantissa). */
const SCALE = new Float64Array(32);
for (let e = 0; e < 32; e++) SCALE[e] = 2 ** (e - 25);

/** Smallest positive half subnormal, 2^-24: the weight of one mantissa step when the exponent field is 0. */
const SUBNORMAL_STEP = 2 ** -24;

/**
 * The half bits (0..0xffff) nearest to `n`, rounding to nearest, ties to even. Values at or past 65520 become
 * ±Infinity (0x7c00), values too small become ±0 or a subnormal, NaN becomes the quiet NaN 0x7e00. Callers that
 * must refuse overflow check the range first (see the JSON tensor decoder).
 */
export function toHalf(n: number): number {
  scratch.setFloat64(0, n);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const sign = (hi >>> 16) & 0x8000;
  const exponent = (hi >>> 20) & 0x7ff;
  if (exponent === 0x7ff) return ((hi & 0xfffff) | lo) !== 0 ? sign | 0x7e00 : sign | 0x7c00;
  // The half exponent field: unbias from double (1023), rebias for half (15).
  const e = exponent - 1008;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal (or zero) in half: count in steps of 2^-24. Scaling a double by a power of two is exact, and so is
    // subtracting its floor, so the tie test below sees the true remainder.
    const steps = Math.abs(n) * 16777216;
    let m = Math.floor(steps);
    const rest = steps - m;
    if (rest > 0.5 || (rest === 0.5 && (m & 1) === 1)) m++;
    // m may reach 1024, which is exactly the bit pattern of the smallest normal half: correct.
    return sign | m;
  }
  // Normal: keep the top 10 of the 52 mantissa bits; the 42 bits below decide the rounding.
  let bits = (e << 10) | ((hi >>> 10) & 0x3ff);
  const rest = hi & 0x3ff;
  if (rest > 0x200 || (rest === 0x200 && (lo !== 0 || (bits & 1) === 1))) bits++;
  // A carry out of the mantissa moves into the exponent; past 0x7bff it lands on 0x7c00 (Infinity), as it should.
  return sign | bits;
}

/** The number that half bits `bits` (0..0xffff) encode; exact, since every half value is a double. */
export function fromHalf(bits: number): number {
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  let v: number;
  if (exponent === 0) v = mantissa * SUBNORMAL_STEP;
  else if (exponent === 31) v = mantissa === 0 ? Infinity : NaN;
  else v = (mantissa + 1024) * SCALE[exponent]!;
  return (bits & 0x8000) !== 0 ? -v : v;
}

/** True when half bits `bits` encode NaN or ±Infinity (the exponent field is all ones). */
export function isHalfNonFinite(bits: number): boolean {
  return (bits & 0x7c00) === 0x7c00;
}
