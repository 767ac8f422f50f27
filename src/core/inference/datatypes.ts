import type { Datatype, TensorData } from './tensor.js';

/** How one datatype is held and checked; compiled once, used per element on the decode path. */
export interface DatatypeInfo {
  /** Bytes per element (0 for BYTES, which is variable). */
  readonly bytes: number;
  /** The element kind a JSON value must have. */
  readonly json: 'number' | 'integer' | 'bigint' | 'boolean' | 'string';
  /** Inclusive range for integer kinds (as numbers; exact for everything up to 32 bits). */
  readonly min?: number;
  readonly max?: number;
  /** Inclusive range for 64-bit kinds. */
  readonly bigMin?: bigint;
  readonly bigMax?: bigint;
  /** The onnxruntime tensor type name for this datatype. */
  readonly ort: string;
}

/** The one table of datatype facts; every codec and runtime reads it instead of switching on names. */
export const DATATYPE_INFO: Readonly<Record<Datatype, DatatypeInfo>> = {
  BOOL: { bytes: 1, json: 'boolean', ort: 'bool' },
  UINT8: { bytes: 1, json: 'integer', min: 0, max: 255, ort: 'uint8' },
  UINT16: { bytes: 2, json: 'integer', min: 0, max: 65535, ort: 'uint16' },
  UINT32: { bytes: 4, json: 'integer', min: 0, max: 4294967295, ort: 'uint32' },
  UINT64: { bytes: 8, json: 'bigint', bigMin: 0n, bigMax: 18446744073709551615n, ort: 'uint64' },
  INT8: { bytes: 1, json: 'integer', min: -128, max: 127, ort: 'int8' },
  INT16: { bytes: 2, json: 'integer', min: -32768, max: 32767, ort: 'int16' },
  INT32: { bytes: 4, json: 'integer', min: -2147483648, max: 2147483647, ort: 'int32' },
  INT64: { bytes: 8, json: 'bigint', bigMin: -9223372036854775808n, bigMax: 9223372036854775807n, ort: 'int64' },
  FP16: { bytes: 2, json: 'number', ort: 'float16' },
  FP32: { bytes: 4, json: 'number', ort: 'float32' },
  FP64: { bytes: 8, json: 'number', ort: 'float64' },
  BYTES: { bytes: 0, json: 'string', ort: 'string' },
};

/** onnxruntime type name -> Open Inference Protocol datatype (the inverse of `DATATYPE_INFO[*].ort`). */
export const DATATYPE_BY_ORT: Readonly<Record<string, Datatype>> = Object.fromEntries(
  (Object.entries(DATATYPE_INFO) as [Datatype, DatatypeInfo][]).map(([dt, info]) => [info.ort, dt]),
);

/** Largest finite FP32 value; a JSON number beyond it would become Infinity when stored as FP32. */
export const FP32_MAX = 3.4028234663852886e38;
/** Largest finite FP16 value. */
export const FP16_MAX = 65504;

/** FP32 refuses |v| >= this: numpy rounds anything below it to a finite float32 (ADR 0003 addendum). */
export const FP32_OVERFLOW = 2 ** 128 - 2 ** 103;

/** FP16 refuses |v| >= this, by the same rounding rule. */
export const FP16_OVERFLOW = 65520;

/** Tensor data of every datatype but BYTES: a typed array. */
export type NumericData = Exclude<TensorData, string[]>;

/** A typed-array constructor: a fresh array of a length, or a view of existing bytes. */
export interface TypedArrayKind {
  new (length: number): NumericData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericData;
}

/** The typed array each numeric datatype is held in (the pairing `DATATYPE_INFO` documents). */
export const TYPED_ARRAY_OF: Readonly<Record<Exclude<Datatype, 'BYTES'>, TypedArrayKind>> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  INT8: Int8Array,
  UINT16: Uint16Array,
  INT16: Int16Array,
  FP16: Uint16Array,
  UINT32: Uint32Array,
  INT32: Int32Array,
  FP32: Float32Array,
  UINT64: BigUint64Array,
  INT64: BigInt64Array,
  FP64: Float64Array,
};

