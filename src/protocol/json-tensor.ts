import { fail } from '../core/errors.js';
import type { MooringError } from '../core/errors.js';
import { fromHalf } from '../core/inference/half.js';
import type { Datatype, Tensor, TensorData } from '../core/inference/tensor.js';
import { allocateData, fillerFor, preview } from './json-elements.js';
import type { DecodeSite } from './json-elements.js';

/**
 * JSON tensor data <-> core tensor data, shared by the v2 (Open Inference Protocol) and v1 (records) codecs so
 * both check values the same way.
 *
 * Decoding walks the already-parsed JSON once, checking structure and every element while writing into the
 * typed array onnxruntime wants. The walk is iterative and never goes deeper than the shape's rank, so hostile
 * nesting (100,000 levels) costs a few steps and ends in SHAPE_MISMATCH, never a stack overflow.
 */

/** Per-tensor limits the decoder enforces, so one request cannot make the server allocate without bound. */
export interface DecodeLimits {
  /** Longest BYTES element, in UTF-16 code units (what `string.length` counts). */
  readonly maxStringLength: number;
  /** Most elements one tensor may hold (product of its shape); checked before anything is allocated. */
  readonly maxElements: number;
}

/**
 * Defaults: 1 MiB strings and 4 Mi elements per tensor (32 MiB for an FP64 or INT64 tensor), well past what a JSON
 * body under the HTTP body limit can carry, yet small enough that a lying shape cannot exhaust memory.
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({ maxStringLength: 1 << 20, maxElements: 1 << 22 });

/**
 * Decodes JSON tensor `values` (flat, or nested, row-major) of `datatype` and `shape` into core tensor data.
 *
 * Nesting: data may be flat, or nested up to the shape's rank. Nested to depth d, the outer d-1 levels must
 * have exactly the lengths of the first d-1 dimensions and each innermost array holds the product of the
 * remaining dimensions (so `[[1,2,3],[4,5,6]]` fits [2,3], and `[[1,2,3,4],[5,6,7,8]]` fits [2,2,2]); anything
 * else is SHAPE_MISMATCH. Elements are checked per datatype (see `elementError` for the codes). `where` prefixes
 * messages (e.g. `input "x"`); `input` (default `where`) goes into `details.input`, with `details.index` the
 * row-major element index.
 * @throws MooringError SHAPE_MISMATCH, VALUE_OUT_OF_RANGE, NON_FINITE_NUMBER, INVALID_REQUEST (data not an
 *   array, or more than `limits.maxElements` elements)
 */
export function jsonToTensorData(
  values: unknown,
  datatype: Datatype,
  shape: readonly number[],
  where: string,
  limits: DecodeLimits,
  input: string = where,
): TensorData {
  return decode(values, shape, { where, input, datatype, shape, records: false, rowSize: 0, maxStringLength: limits.maxStringLength }, limits);
}

/**
 * Decodes records rows: `rows[i]` is instance i, fully nested to the row's rank, and `shape` is the stacked shape
 * `[rows.length, ...rowShape]`. The same checks as `jsonToTensorData`, but errors name the instance
 * (`details.instance`) and the element within it, which is what a records user can find in their request.
 */
export function jsonRowsToTensorData(
  rows: readonly unknown[],
  datatype: Datatype,
  shape: readonly number[],
  where: string,
  limits: DecodeLimits,
  input: string = where,
): TensorData {
  let rowSize = 1;
  for (let d = 1; d < shape.length; d++) rowSize *= shape[d]!;
  return decode(rows, shape, { where, input, datatype, shape, records: true, rowSize, maxStringLength: limits.maxStringLength }, limits);
}

function decode(values: unknown, shape: readonly number[], site: DecodeSite, limits: DecodeLimits): TensorData {
  const total = countElements(shape, site, limits);
  if (!Array.isArray(values)) {
    throw fail('INVALID_REQUEST', `${site.where}: data must be a JSON array, got ${preview(values)}`, { input: site.input });
  }
  const rank = shape.length;
  // How deep the data nests, following first elements; refused as soon as it passes the rank.
  const maxDepth = rank > 1 ? rank : 1;
  let depth = 1;
  let probe: unknown = values[0];
  while (Array.isArray(probe)) {
    if (++depth > maxDepth) {
      throw shapeError(site, `data is nested deeper than shape [${shape.join(', ')}] (rank ${rank}) allows`, [], 0);
    }
    probe = probe[0];
  }
  const fill = fillerFor(site.datatype);
  if (depth === 1) {
    if (values.length !== total) {
      throw shapeError(site, `shape [${shape.join(', ')}] holds ${total} elements but data has ${values.length}`, [], 0);
    }
    const out = allocateData(site.datatype, total);
    fill(values, out, 0, site);
    return out;
  }
  // Nested: expected[k] is the length every array at level k must have; the innermost holds the remaining product.
  const expected = new Array<number>(depth);
  for (let k = 0; k < depth - 1; k++) expected[k] = shape[k]!;
  let inner = 1;
  for (let k = depth - 1; k < rank; k++) inner *= shape[k]!;
  expected[depth - 1] = inner;
  if (values.length !== expected[0]) {
    throw shapeError(site, `data has ${values.length} rows but shape [${shape.join(', ')}] has ${expected[0]}`, [], 0);
  }
  const out = allocateData(site.datatype, total);
  const stack = new Array<readonly unknown[]>(depth);
  const position = new Array<number>(depth).fill(0);
  stack[0] = values;
  let level = 0;
  let offset = 0;
  while (level >= 0) {
    const array = stack[level]!;
    const i = position[level]!;
    if (i === array.length) {
      level--;
      continue;
    }
    position[level] = i + 1;
    const child = array[i];
    const want = expected[level + 1]!;
    if (!Array.isArray(child) || child.length !== want) {
      const got = Array.isArray(child) ? `an array of ${child.length}` : preview(child);
      throw shapeError(site, `expected an array of ${want} elements to fit ${describeShape(site)}, got ${got}`, position, level + 1);
    }
    if (level + 2 === depth) {
      fill(child, out, offset, site);
      offset += want;
    } else {
      level++;
      stack[level] = child;
      position[level] = 0;
    }
  }
  return out;
}

/** Product of `shape`, after checking its entries and the element limit (before anything is allocated). */
function countElements(shape: readonly number[], site: DecodeSite, limits: DecodeLimits): number {
  let total = 1;
  let empty = false;
  for (let k = 0; k < shape.length; k++) {
    const d = shape[k]!;
    if (!Number.isInteger(d) || d < 0) {
      throw fail('SHAPE_MISMATCH', `${site.where}: shape entry ${k} (${preview(d)}) is not a whole number >= 0`, { input: site.input });
    }
    if (d === 0) empty = true;
    else total *= d;
  }
  if (empty) return 0;
  if (total > limits.maxElements) {
    throw fail(
      'INVALID_REQUEST',
      `${site.where}: too many elements: shape [${shape.join(', ')}] holds ${total}, the limit is ${limits.maxElements} per tensor`,
      { input: site.input, elements: total, limit: limits.maxElements },
    );
  }
  return total;
}

/** The shape as a user wrote it: for records, the row shape (the instances dimension is implied). */
function describeShape(site: DecodeSite): string {
  return site.records ? `row shape [${site.shape.slice(1).join(', ')}]` : `shape [${site.shape.join(', ')}]`;
}

/** SHAPE_MISMATCH at index path `position[0..length)` (each entry one past the index being looked at). */
function shapeError(site: DecodeSite, message: string, position: readonly number[], length: number): MooringError {
  const path: number[] = [];
  for (let k = 0; k < length && k < 16; k++) path.push(position[k]! - 1);
  const more = length > 16 ? '...' : '';
  if (site.records && length > 0) {
    // For records the first index is the instance; the rest is a path inside that instance's row.
    const inside = path.length > 1 ? ` at [${path.slice(1).join('][')}]${more}` : '';
    return fail('SHAPE_MISMATCH', `instance ${path[0]}, ${site.where}: row${inside}: ${message}`, {
      input: site.input,
      instance: path[0],
      path,
    });
  }
  const at = length === 0 ? '' : ` at [${path.join('][')}]${more}`;
  return fail('SHAPE_MISMATCH', `${site.where}: ${message}${at}`, { input: site.input, path });
}

const MIN_SAFE_BIG = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The tensor's elements as a flat row-major JSON array: numbers (FP16 decoded from its bits), booleans for BOOL,
 * strings for BYTES. INT64/UINT64 elements are numbers when they are safe integers (|v| <= 2^53 - 1) and decimal
 * strings otherwise, because a JSON number cannot carry them exactly and most parsers would round them silently.
 * @throws MooringError NON_FINITE_OUTPUT for NaN or ±Infinity in a floating-point output (JSON.stringify would
 *   silently write null); INTERNAL when the data length disagrees with the shape.
 */
export function tensorToJson(tensor: Tensor): unknown[] {
  const { data, datatype } = tensor;
  const n = data.length;
  checkLength(tensor);
  const out = new Array<unknown>(n);
  switch (datatype) {
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = data[i] !== 0;
      return out;
    case 'FP32':
    case 'FP64': {
      const d = data as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) {
        const v = d[i]!;
        if (v - v !== 0) throw nonFinite(tensor, i, v);
        out[i] = v;
      }
      return out;
    }
    case 'FP16': {
      const d = data as Uint16Array;
      for (let i = 0; i < n; i++) {
        const v = fromHalf(d[i]!);
        if (v - v !== 0) throw nonFinite(tensor, i, v);
        out[i] = v;
      }
      return out;
    }
    case 'INT64':
    case 'UINT64': {
      const d = data as BigInt64Array | BigUint64Array;
      for (let i = 0; i < n; i++) {
        const v = d[i]!;
        out[i] = v >= MIN_SAFE_BIG && v <= MAX_SAFE_BIG ? Number(v) : v.toString();
      }
      return out;
    }
    default:
      // BYTES (strings) and the small integer kinds are JSON-ready as they are.
      for (let i = 0; i < n; i++) out[i] = data[i];
      return out;
  }
}

/**
 * The tensor's elements split along the first dimension: element i is row i, nested to the row's shape (a
 * number for a [n] tensor, `[[..], ..]` for [n, a, b]). A rank-0 tensor has no first dimension and gives one
 * row holding its scalar. Used by the records endpoint, where prediction i answers instance i.
 * @throws MooringError as `tensorToJson`.
 */
export function tensorRowsToJson(tensor: Tensor): unknown[] {
  const shape = tensor.shape;
  let level = tensorToJson(tensor);
  // Group from the innermost dimension outwards; iterative, so the rank does not touch the stack.
  for (let d = shape.length - 1; d >= 1; d--) {
    const size = shape[d]!;
    let groups = 1;
    for (let k = 0; k < d; k++) groups *= shape[k]!;
    const next = new Array<unknown>(groups);
    for (let g = 0; g < groups; g++) next[g] = level.slice(g * size, g * size + size);
    level = next;
  }
  return level;
}

function checkLength(tensor: Tensor): void {
  let n = 1;
  for (const d of tensor.shape) n *= d;
  if (n !== tensor.data.length) {
    throw fail('INTERNAL', `output ${JSON.stringify(tensor.name)} has ${tensor.data.length} elements but shape [${tensor.shape.join(', ')}]`, {
      output: tensor.name,
    });
  }
}

function nonFinite(tensor: Tensor, index: number, value: number): MooringError {
  return fail(
    'NON_FINITE_OUTPUT',
    `output ${JSON.stringify(tensor.name)} element ${index} is ${value}; JSON has no NaN or Infinity, and Mooring will not send it as null`,
    { output: tensor.name, index },
  );
}
