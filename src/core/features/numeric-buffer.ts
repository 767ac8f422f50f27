import { DATATYPE_INFO, FP16_OVERFLOW, FP32_OVERFLOW } from '../inference/datatypes.js';
import { fromHalf, toHalf } from '../inference/half.js';
import type { Datatype, TensorData } from '../inference/tensor.js';

/**
 * Typed storage for packed feature values: one allocation per request and one writer per datatype, chosen once per
 * version, so packing a row is a few stores into a typed array.
 */

/** Writes `v` at `i`; returns false when the datatype cannot hold it (overflow, a fraction for an integer type). */
export type NumericWriter = (out: TensorData, i: number, v: number) => boolean;

/** Datatypes named features can be packed into. */
export const PACKABLE_DATATYPES: readonly Datatype[] = [
  'FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64',
];

/** A zeroed typed array of `n` elements for a packable datatype. */
export function allocateNumeric(datatype: Datatype, n: number): TensorData {
  switch (datatype) {
    case 'FP16': case 'UINT16': return new Uint16Array(n);
    case 'FP32': return new Float32Array(n);
    case 'FP64': return new Float64Array(n);
    case 'INT8': return new Int8Array(n);
    case 'INT16': return new Int16Array(n);
    case 'INT32': return new Int32Array(n);
    case 'INT64': return new BigInt64Array(n);
    case 'UINT8': return new Uint8Array(n);
    case 'UINT32': return new Uint32Array(n);
    case 'UINT64': return new BigUint64Array(n);
    default: throw new TypeError(`named features cannot be packed into a ${datatype} input`);
  }
}

/** The writer for a packable datatype. NaN is accepted by the float types only (a nullable feature's null). */
export function numericWriter(datatype: Datatype): NumericWriter {
  const info = DATATYPE_INFO[datatype];
  switch (datatype) {
    case 'FP64':
      return (out, i, v) => {
        (out as Float64Array)[i] = v;
        return true;
      };
    case 'FP32':
      return (out, i, v) => {
        if (v >= FP32_OVERFLOW || v <= -FP32_OVERFLOW) return false;
        (out as Float32Array)[i] = v;
        return true;
      };
    case 'FP16':
      return (out, i, v) => {
        if (v >= FP16_OVERFLOW || v <= -FP16_OVERFLOW) return false;
        (out as Uint16Array)[i] = toHalf(v);
        return true;
      };
    case 'INT64':
    case 'UINT64': {
      const lo = Number(info.bigMin), hi = Number(info.bigMax);
      return (out, i, v) => {
        if (!Number.isSafeInteger(v) || v < lo || v > hi) return false;
        (out as BigInt64Array | BigUint64Array)[i] = BigInt(v) as never;
        return true;
      };
    }
    default: {
      const lo = info.min!, hi = info.max!;
      return (out, i, v) => {
        if (!Number.isInteger(v) || v < lo || v > hi) return false;
        (out as Int32Array)[i] = v;
        return true;
      };
    }
  }
}

/** Reads element `i` of packed data as a number: half bits decoded, 64-bit integers through Number. */
export type NumericReader = (data: TensorData, i: number) => number;

/** The reader for a packable datatype. */
export function numericReader(datatype: Datatype): NumericReader {
  if (datatype === 'FP16') return (data, i) => fromHalf((data as Uint16Array)[i]!);
  if (datatype === 'INT64' || datatype === 'UINT64') return (data, i) => Number((data as BigInt64Array)[i]!);
  return (data, i) => (data as Float32Array)[i]!;
}
