import { fail } from '../core/errors.js';
import type { MooringError } from '../core/errors.js';
import { DATATYPE_INFO, FP16_OVERFLOW, FP32_OVERFLOW } from '../core/inference/datatypes.js';

export { FP16_OVERFLOW, FP32_OVERFLOW };
import { toHalf } from '../core/inference/half.js';
import type { Datatype, TensorData } from '../core/inference/tensor.js';

/**
 * Per-datatype element loops of the JSON tensor decoder (see json-tensor.ts). Each loop converts one innermost JSON
 * array into the typed array onnxruntime wants, checking every element on the way: one pass, no per-element
 * closures, and the error is only worked out (by `elementError`) once a check has failed.
 */

/** Where the values being decoded come from: built once per tensor, read only when something is wrong. */
export interface DecodeSite {
  /** Message prefix, e.g. `input "x"`. */
  readonly where: string;
  /** The input name for `details.input`. */
  readonly input: string;
  readonly datatype: Datatype;
  /** The tensor shape (for records: the stacked shape, instances first). */
  readonly shape: readonly number[];
  /** True for records rows: errors then name the instance (the index along the first dimension). */
  readonly records: boolean;
  /** Elements per instance when `records`. */
  readonly rowSize: number;
  readonly maxStringLength: number;
}

/** Converts `src` (one innermost JSON array) into `out` from `offset`, or throws the element's coded error. */
export type Filler = (src: readonly unknown[], out: TensorData, offset: number, site: DecodeSite) => void;


const DECIMAL = /^-?[0-9]{1,20}$/;

/**
 * Small typed arrays are carved out of shared 8 KiB slabs, as Node does for small Buffers: a typed array over
 * 64 bytes gets its own off-heap ArrayBuffer, which costs several hundred nanoseconds and adds GC pressure, while
 * a view into a slab costs about 50. Slabs are fresh (zeroed) and never reused, so views never share bytes; a
 * live view keeps its whole slab alive, which bounds the waste to 8 KiB per retained small tensor. Consumers must
 * honour `byteOffset`/`byteLength` (onnxruntime-node does). Set POOL_MAX_BYTES to 0 to turn pooling off.
 */
const SLAB_BYTES = 8192;
const POOL_MAX_BYTES = 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/** `bytes` zeroed bytes at an 8-aligned offset of the current slab (a new slab when it is full). */
function carve(bytes: number): [ArrayBuffer, number] {
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const offset = slabUsed;
  slabUsed += (bytes + 7) & ~7;
  return [slab, offset];
}

/** A zeroed typed array of `count` elements of `Kind`, from a slab when small enough (see above). */
function typed<T>(Kind: new (buffer: ArrayBuffer, byteOffset: number, length: number) => T, perElement: number, count: number): T {
  const bytes = count * perElement;
  if (bytes <= 64 || bytes > POOL_MAX_BYTES) return new Kind(new ArrayBuffer(bytes), 0, count);
  const [buffer, offset] = carve(bytes);
  return new Kind(buffer, offset, count);
}

/** A fresh zeroed array of the kind onnxruntime wants for `datatype` (possibly a view into a shared slab). */
export function allocateData(datatype: Datatype, count: number): TensorData {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return typed(Uint8Array, 1, count);
    case 'INT8':
      return typed(Int8Array, 1, count);
    case 'UINT16':
    case 'FP16':
      return typed(Uint16Array, 2, count);
    case 'INT16':
      return typed(Int16Array, 2, count);
    case 'UINT32':
      return typed(Uint32Array, 4, count);
    case 'INT32':
      return typed(Int32Array, 4, count);
    case 'UINT64':
      return typed(BigUint64Array, 8, count);
    case 'INT64':
      return typed(BigInt64Array, 8, count);
    case 'FP32':
      return typed(Float32Array, 4, count);
    case 'FP64':
      return typed(Float64Array, 8, count);
    case 'BYTES':
      return new Array<string>(count).fill('');
  }
}

/** The element loop for `datatype`; chosen once per tensor. */
export function fillerFor(datatype: Datatype): Filler {
  // Each loop takes the one array kind `allocateData` makes for its datatypes; the casts state that pairing.
  switch (datatype) {
    case 'BOOL':
      return fillBool as Filler;
    case 'FP32':
    case 'FP64':
      return fillFloat as Filler;
    case 'FP16':
      return fillHalf as Filler;
    case 'INT64':
    case 'UINT64':
      return fillBig as Filler;
    case 'BYTES':
      return fillBytes as Filler;
    default:
      return fillInt as Filler;
  }
}

function fillBool(src: readonly unknown[], out: Uint8Array, offset: number, site: DecodeSite): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v === true) out[offset + i] = 1;
    else if (v !== false) throw elementError(v, site, offset + i);
  }
}

type SmallIntArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

function fillInt(src: readonly unknown[], out: SmallIntArray, offset: number, site: DecodeSite): void {
  const info = DATATYPE_INFO[site.datatype];
  const min = info.min ?? 0;
  const max = info.max ?? 0;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    // NaN fails every comparison, so this one test also refuses non-finite numbers.
    if (typeof v === 'number' && v >= min && v <= max && Math.floor(v) === v) out[offset + i] = v;
    else throw elementError(v, site, offset + i);
  }
}

function fillFloat(src: readonly unknown[], out: Float32Array | Float64Array, offset: number, site: DecodeSite): void {
  const limit = site.datatype === 'FP32' ? FP32_OVERFLOW : Infinity;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v === 'number' && v < limit && v > -limit) out[offset + i] = v;
    else throw elementError(v, site, offset + i);
  }
}

function fillHalf(src: readonly unknown[], out: Uint16Array, offset: number, site: DecodeSite): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v === 'number' && v < FP16_OVERFLOW && v > -FP16_OVERFLOW) out[offset + i] = toHalf(v);
    else throw elementError(v, site, offset + i);
  }
}

function fillBig(src: readonly unknown[], out: BigInt64Array | BigUint64Array, offset: number, site: DecodeSite): void {
  const unsigned = site.datatype === 'UINT64';
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v === 'number' && Number.isSafeInteger(v) && (v >= 0 || !unsigned)) out[offset + i] = BigInt(v);
    else if (typeof v === 'string') out[offset + i] = parseBig(v, site, offset + i);
    else throw elementError(v, site, offset + i);
  }
}

/** A decimal string as an exact 64-bit value, range-checked (a typed array would silently wrap it). */
function parseBig(v: string, site: DecodeSite, index: number): bigint {
  if (DECIMAL.test(v)) {
    const b = BigInt(v);
    const info = DATATYPE_INFO[site.datatype];
    if (b >= (info.bigMin ?? 0n) && b <= (info.bigMax ?? 0n)) return b;
  }
  throw elementError(v, site, index);
}

function fillBytes(src: readonly unknown[], out: string[], offset: number, site: DecodeSite): void {
  const max = site.maxStringLength;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v === 'string' && v.length <= max) out[offset + i] = v;
    else throw elementError(v, site, offset + i);
  }
}

/** A short, safe description of a JSON value for a message (never stringifies a whole object or long string). */
export function preview(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** The message prefix and details for flat element `index` of the tensor. */
function locate(site: DecodeSite, index: number): { prefix: string; details: Record<string, unknown> } {
  if (site.records && site.rowSize > 0) {
    const instance = Math.floor(index / site.rowSize);
    const element = index - instance * site.rowSize;
    return {
      prefix: `instance ${instance}, ${site.where}: element ${element}`,
      details: { input: site.input, instance, index: element },
    };
  }
  return { prefix: `${site.where}: element ${index}`, details: { input: site.input, index } };
}

/** Works out which check element `v` failed and returns the coded error; only called on the error path. */
export function elementError(v: unknown, site: DecodeSite, index: number): MooringError {
  const { prefix, details } = locate(site, index);
  const dt = site.datatype;
  const info = DATATYPE_INFO[dt];
  const bad = (message: string): MooringError => fail('VALUE_OUT_OF_RANGE', `${prefix} ${message}`, details);
  if (Array.isArray(v)) {
    const shape = site.records ? `row shape [${site.shape.slice(1).join(', ')}]` : `shape [${site.shape.join(', ')}]`;
    return fail('SHAPE_MISMATCH', `${prefix} is an array: data is nested deeper than ${shape} allows, or unevenly`, details);
  }
  if (dt === 'BOOL') return bad(`(${preview(v)}) is not a BOOL: use true or false`);
  if (dt === 'BYTES') {
    if (typeof v !== 'string') return bad(`(${preview(v)}) is not a string; BYTES elements are JSON strings`);
    return bad(`is a string of ${v.length} characters, longer than the limit of ${site.maxStringLength}`);
  }
  if (typeof v === 'string' && info.json === 'bigint') {
    if (!DECIMAL.test(v)) return bad(`(${preview(v)}) is not a decimal integer string (digits with an optional leading -)`);
    return bad(`(${v}) is outside the ${dt} range [${info.bigMin}, ${info.bigMax}]`);
  }
  if (typeof v !== 'number') return bad(`(${preview(v)}) is not a number, as ${dt} requires`);
  if (!Number.isFinite(v)) {
    return fail('NON_FINITE_NUMBER', `${prefix} is ${v}, not a finite number (JSON numbers such as 1e400 parse to Infinity)`, details);
  }
  if (dt === 'FP32') {
    return fail('NON_FINITE_NUMBER', `${prefix} (${v}) overflows FP32, whose largest finite value is 3.4028234663852886e38`, details);
  }
  if (dt === 'FP16') return bad(`(${v}) is outside the FP16 range [-65504, 65504]`);
  if (!Number.isInteger(v)) return bad(`(${v}) is not a whole number, as ${dt} requires`);
  if (info.json === 'bigint') {
    if (v < 0 && dt === 'UINT64') return bad(`(${v}) is outside the UINT64 range [0, ${info.bigMax}]`);
    return bad(
      `(${v}) is beyond ±(2^53 - 1), where JSON numbers lose precision (the parser has already rounded it): ` +
        `send ${dt} values this large as decimal strings, e.g. "9007199254740993"`,
    );
  }
  return bad(`(${v}) is outside the ${dt} range [${info.min}, ${info.max}]`);
}
