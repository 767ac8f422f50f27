/**
 * Tensors as the domain sees them: a name, an Open Inference Protocol datatype, a shape, and the elements in
 * row-major order held in the typed array onnxruntime expects for that datatype, so no copy is made between the
 * protocol decoder and the runtime.
 */

/** The Open Inference Protocol v2 tensor datatypes. */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

/** One Open Inference Protocol v2 datatype name. */
export type Datatype = (typeof DATATYPES)[number];

/**
 * Tensor elements in row-major order. The array kind is fixed by the datatype (see `DATATYPE_INFO`):
 * BOOL -> Uint8Array (0/1), FP16 -> Uint16Array (IEEE half bits), INT64/UINT64 -> BigInt64Array/BigUint64Array,
 * BYTES -> string[].
 */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

/** A named tensor: what goes into and comes out of a model. */
export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  /** Dimensions; every entry a non-negative whole number. `[]` is a scalar (one element). */
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** A tensor's declared form in a model signature. `-1` in `shape` is a variable dimension (any size). */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
}

/** What a model version takes and gives, read from its artifact. */
export interface Signature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/** True when `value` names an Open Inference Protocol datatype. */
export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}

/** Number of elements a shape holds (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * True when a concrete `shape` fits a declared `spec` shape: same rank, and every fixed dimension equal
 * (`-1` matches any size).
 */
export function shapeFits(shape: readonly number[], spec: readonly number[]): boolean {
  if (shape.length !== spec.length) return false;
  for (let i = 0; i < shape.length; i++) {
    const want = spec[i]!;
    if (want !== -1 && want !== shape[i]) return false;
  }
  return true;
}
