/**
 * Input handling shared by the drift statistics: validation of numeric samples, sorted copies, and counting of
 * distinct values. The statistics themselves are pure; they refuse missing or non-finite values instead of guessing
 * (Evidently drops NaN and ±Infinity before it tests a column: `driftTest` in select.ts does the same).
 */

import { fail } from '../../errors.js';

/** One observed value of a column: a number (numerical or numeric category) or a string (category). */
export type DriftValue = number | string;

/**
 * A sorted copy of `values` as a Float64Array. Fails with INVALID_REQUEST when the sample is empty or holds a
 * non-finite number. `name` names the argument in the error.
 */
export function sortedFinite(values: ArrayLike<number>, name: string): Float64Array {
  const out = finiteCopy(values, name);
  out.sort();
  return out;
}

/** A copy of `values` as a Float64Array, refusing an empty sample and non-finite numbers (INVALID_REQUEST). */
export function finiteCopy(values: ArrayLike<number>, name: string): Float64Array {
  const n = values.length;
  if (n === 0) throw fail('INVALID_REQUEST', `${name} must not be empty`, { argument: name });
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw fail('INVALID_REQUEST', `${name}[${i}] is not a finite number`, { argument: name, index: i });
    }
    out[i] = v;
  }
  return out;
}

/** Refuses an empty sample or one holding something other than a finite number or a string (INVALID_REQUEST). */
export function checkValues(values: ArrayLike<DriftValue>, name: string): void {
  const n = values.length;
  if (n === 0) throw fail('INVALID_REQUEST', `${name} must not be empty`, { argument: name });
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'string') continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw fail('INVALID_REQUEST', `${name}[${i}] is neither a finite number nor a string`, {
        argument: name,
        index: i,
      });
    }
  }
}

/**
 * How often each distinct value occurs, in order of first appearance. A Map compares with SameValueZero, so 0 and
 * -0 are one value (as in pandas) and 1 and '1' are two.
 */
export function countValues(values: ArrayLike<DriftValue>): Map<DriftValue, number> {
  const counts = new Map<DriftValue, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as DriftValue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/** The distinct values of `reference` then `current`, in order of first appearance (Evidently's category keys). */
export function unionKeys(reference: Map<DriftValue, number>, current: Map<DriftValue, number>): DriftValue[] {
  const keys = [...reference.keys()];
  for (const k of current.keys()) if (!reference.has(k)) keys.push(k);
  return keys;
}

/**
 * Python's ordering of values, as `sorted()` gives for Evidently's keys: numbers ascending, strings by code point.
 * Python refuses to order a number against a string; here numbers come first so that the order is total.
 */
export function compareValues(a: DriftValue, b: DriftValue): number {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
    return -1;
  }
  if (typeof b === 'number') return 1;
  // Code point order (UTF-16 comparison differs for characters beyond the BMP).
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** numpy's `round` (and Python's): to the nearest whole number, ties to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** x · 2^e with one rounding, also when 2^e alone would overflow or underflow (C's ldexp). */
export function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1023) {
    r *= 2 ** 1023;
    k -= 1023;
    if (!Number.isFinite(r)) return r;
  }
  while (k < -1022) {
    r *= 2 ** -1022;
    k += 1022;
    if (r === 0) return r;
  }
  return r * 2 ** k;
}
