/**
 * The output values of the `rules` fallback: one JSON row, as the records format writes it, converted once (when
 * the rules are compiled) into the typed elements of the output's datatype, so answering a request only copies.
 */

import { DATATYPE_INFO, FP16_OVERFLOW, FP32_OVERFLOW, TYPED_ARRAY_OF } from '../inference/datatypes.js';
import { toHalf } from '../inference/half.js';
import type { Datatype, TensorData, TensorSpec } from '../inference/tensor.js';
import { describeValue } from '../validation/describe.js';

/** One row of one output: its concrete row shape (the output's shape without the first dimension) and elements. */
export interface TypedRow {
  readonly shape: readonly number[];
  /** `elementCount(shape)` elements, row-major, in the array kind of the output's datatype. */
  readonly data: TensorData;
}

/** Why a JSON value is not a row of an output: where inside the value (`""`, `"[1][0]"`) and what is wrong. */
export interface RowProblem {
  readonly at: string;
  readonly problem: string;
}

/** Decimal integers as the records format writes 64-bit values beyond 2^53. */
const DECIMAL = /^-?[0-9]{1,20}$/;

/**
 * `value` as one row of the output `spec`: nested lists exactly as deep as the row's rank (a scalar for an output
 * of shape [-1]), every list at one level as long as its siblings and as any fixed dimension of `spec`, and every
 * element fitting `spec.datatype`. The spec must have a first (row) dimension.
 */
export function typedRow(value: unknown, spec: TensorSpec): TypedRow | RowProblem {
  const dims = spec.shape.slice(1);
  const shape = inferShape(value, dims);
  if ('problem' in shape) return shape;
  let count = 1;
  for (const d of shape) count *= d;
  const data = allocateData(spec.datatype, count);
  const put = elementWriter(spec.datatype, data);
  // Walk the nested lists level by level; the depth is the row's rank, never the value's own nesting.
  let offset = 0;
  const walk = (v: unknown, level: number, at: string): RowProblem | null => {
    if (level === shape.length) {
      const problem = put(v, offset);
      if (problem !== null) return { at, problem };
      offset++;
      return null;
    }
    const want = shape[level]!;
    if (!Array.isArray(v) || v.length !== want) {
      const got = Array.isArray(v) ? `a list of ${v.length}` : describeValue(v);
      return { at, problem: `expected a list of ${want} (row shape [${shape.join(', ')}]), got ${got}` };
    }
    for (let i = 0; i < want; i++) {
      const p = walk(v[i], level + 1, `${at}[${i}]`);
      if (p !== null) return p;
    }
    return null;
  };
  const problem = walk(value, 0, '');
  return problem ?? { shape, data };
}

/** The row shape `value` claims, read along first elements and checked against the fixed dimensions of `dims`. */
function inferShape(value: unknown, dims: readonly number[]): number[] | RowProblem {
  const shape: number[] = [];
  let v = value;
  let at = '';
  for (let level = 0; level < dims.length; level++) {
    const fixed = dims[level]!;
    if (!Array.isArray(v)) {
      const want = fixed === -1 ? 'a list' : `a list of ${fixed}`;
      return { at, problem: `expected ${want} (row shape [${dims.join(', ')}]), got ${describeValue(v)}` };
    }
    if (fixed !== -1 && v.length !== fixed) {
      return { at, problem: `expected a list of ${fixed} (row shape [${dims.join(', ')}]), got a list of ${v.length}` };
    }
    shape.push(v.length);
    if (v.length === 0) {
      // Nothing below to measure: the remaining dimensions are their fixed size, or 0.
      for (let k = level + 1; k < dims.length; k++) shape.push(Math.max(dims[k]!, 0));
      return shape;
    }
    v = v[0];
    at += '[0]';
  }
  return shape;
}

/** Writes one JSON element at an index of `data`, or says why it does not fit the datatype. */
type ElementWriter = (v: unknown, index: number) => string | null;

// Each writer takes the one array kind `allocateData` makes for its datatype; the casts state that pairing.
function elementWriter(datatype: Datatype, data: TensorData): ElementWriter {
  const info = DATATYPE_INFO[datatype];
  switch (datatype) {
    case 'BOOL': {
      const out = data as Uint8Array;
      return (v, i) => {
        if (typeof v !== 'boolean') return `BOOL needs true or false, got ${describeValue(v)}`;
        out[i] = v ? 1 : 0;
        return null;
      };
    }
    case 'BYTES': {
      const out = data as string[];
      return (v, i) => {
        if (typeof v !== 'string') return `BYTES needs a string, got ${describeValue(v)}`;
        out[i] = v;
        return null;
      };
    }
    case 'FP16':
    case 'FP32':
    case 'FP64': {
      const limit = datatype === 'FP16' ? FP16_OVERFLOW : datatype === 'FP32' ? FP32_OVERFLOW : Infinity;
      const half = datatype === 'FP16';
      const out = data as Uint16Array | Float32Array | Float64Array;
      return (v, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v) || !(Math.abs(v) < limit)) {
          const range = limit === Infinity ? 'a finite number' : `a finite number of magnitude below ${limit}`;
          return `${datatype} needs ${range}, got ${describeValue(v)}`;
        }
        // FP16 is held as IEEE half bits, as the codecs hold it (onnxruntime takes a Uint16Array).
        out[i] = half ? toHalf(v) : v;
        return null;
      };
    }
    case 'INT64':
    case 'UINT64': {
      const min = info.bigMin ?? 0n;
      const max = info.bigMax ?? 0n;
      const out = data as BigInt64Array | BigUint64Array;
      return (v, i) => {
        let b: bigint | null = null;
        if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
        else if (typeof v === 'string' && DECIMAL.test(v)) b = BigInt(v);
        if (b === null || b < min || b > max) {
          return `${datatype} needs a whole number in [${min}, ${max}] (a safe integer, or a decimal string beyond 2^53), got ${describeValue(v)}`;
        }
        out[i] = b;
        return null;
      };
    }
    default: {
      const min = info.min ?? 0;
      const max = info.max ?? 0;
      const out = data as Exclude<TensorData, string[] | BigInt64Array | BigUint64Array>;
      return (v, i) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
          return `${datatype} needs a whole number in [${min}, ${max}], got ${describeValue(v)}`;
        }
        out[i] = v;
        return null;
      };
    }
  }
}

/** A fresh zeroed array of `count` elements in the kind `DATATYPE_INFO` documents for `datatype`. */
export function allocateData(datatype: Datatype, count: number): TensorData {
  return datatype === 'BYTES' ? new Array<string>(count).fill('') : new TYPED_ARRAY_OF[datatype](count);
}

/** The part of a typed array `copyRow` uses; every numeric TensorData kind has it. */
interface Settable {
  set(source: ArrayLike<unknown>, offset: number): void;
}

/** Copies `row` into `out` (same datatype, so the same array kind) from element `offset`. */
export function copyRow(out: TensorData, offset: number, row: TypedRow): void {
  const src = row.data;
  if (Array.isArray(out)) {
    const strings = src as string[];
    for (let k = 0; k < strings.length; k++) out[offset + k] = strings[k]!;
  } else {
    // Same kind by construction (both made by allocateData for one datatype); `set` copies without conversion.
    (out as Settable).set(src as ArrayLike<unknown>, offset);
  }
}
