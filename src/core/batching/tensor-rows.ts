/**
 * Row surgery for the dynamic batcher: stacking the same input of several requests along dimension 0, and cutting
 * a batch's outputs back into each request's rows. Pure functions over every datatype (typed arrays, and string[]
 * for BYTES); elements are copied bit for bit, never converted.
 */
import { fail } from '../errors.js';
import { TYPED_ARRAY_OF } from '../inference/datatypes.js';
import type { NumericData } from '../inference/datatypes.js';
import type { Datatype, Tensor, TensorData } from '../inference/tensor.js';



/** Elements in one row: the product of the dimensions after the first (1 for rank 1). */
export function rowStride(shape: readonly number[]): number {
  let n = 1;
  for (let i = 1; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/**
 * True when `a` and `b` can share a batch: same name and datatype, rank >= 1, and equal dimensions after the
 * first. The batcher groups requests by this relation, so incompatible requests go in different batches.
 */
export function rowsCompatible(a: Tensor, b: Tensor): boolean {
  if (a.name !== b.name || a.datatype !== b.datatype) return false;
  const sa = a.shape;
  const sb = b.shape;
  if (sa.length === 0 || sa.length !== sb.length) return false;
  for (let i = 1; i < sa.length; i++) if (sa[i] !== sb[i]) return false;
  return true;
}

/**
 * Stacks tensors along dimension 0, in order: `[r1, ...rest]` + `[r2, ...rest]` -> `[r1 + r2, ...rest]`. One
 * tensor is returned as is (no copy). Throws INTERNAL for tensors that are not `rowsCompatible` or whose data
 * length does not match their shape: the batcher checks both before it gets here, so either is a bug.
 */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const first = parts[0];
  if (first === undefined) throw fail('INTERNAL', 'concatRows needs at least one tensor');
  if (parts.length === 1) return first;
  const stride = rowStride(first.shape);
  let rows = 0;
  for (const part of parts) {
    if (!rowsCompatible(first, part)) {
      throw fail(
        'INTERNAL',
        `cannot stack ${part.name} ${part.datatype} [${part.shape.join(',')}] under ${first.name} ${first.datatype} [${first.shape.join(',')}]`,
      );
    }
    const r = part.shape[0]!;
    if (part.data.length !== r * stride) {
      throw fail('INTERNAL', `tensor ${part.name} holds ${part.data.length} elements, its shape says ${r * stride}`);
    }
    rows += r;
  }
  const shape = first.shape.slice();
  shape[0] = rows;
  const total = rows * stride;
  if (first.datatype === 'BYTES') {
    const out = new Array<string>(total);
    let at = 0;
    for (const part of parts) {
      const src = part.data as string[];
      for (let i = 0; i < src.length; i++) out[at++] = src[i]!;
    }
    return { name: first.name, datatype: first.datatype, shape, data: out };
  }
  // Typed arrays of one kind: `set` copies the bytes (BigInt64Array into BigInt64Array, and so on), no conversion.
  const out = new TYPED_ARRAY_OF[first.datatype](total) as Float32Array;
  let at = 0;
  for (const part of parts) {
    out.set(part.data as Float32Array, at);
    at += part.data.length;
  }
  return { name: first.name, datatype: first.datatype, shape, data: out };
}

/**
 * Cuts `tensor` along dimension 0 into pieces of `rows[i]` rows, or returns null when that is impossible (rank 0,
 * or a first dimension other than the sum of `rows`, or data that does not match the shape). Pieces of typed
 * arrays are views (`subarray`) into the batch's buffer, not copies; BYTES pieces are new arrays.
 */
export function splitRows(tensor: Tensor, rows: readonly number[]): Tensor[] | null {
  if (!splittable(tensor, sumOf(rows))) return null;
  const stride = rowStride(tensor.shape);
  const out = new Array<Tensor>(rows.length);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[i] = piece(tensor, at, r, stride);
    at += r * stride;
  }
  return out;
}

/** What `splitOutputs` gives: each request's outputs, or why the batch's outputs cannot be cut by rows. */
export type SplitResult =
  | { readonly ok: true; readonly pieces: Tensor[][] }
  | { readonly ok: false; readonly reason: string };

/**
 * Cuts every output of a batch back into each request's share: `pieces[j]` holds request j's outputs in the
 * order of `outputs`. Every output is checked before anything is cut, so an unsplittable batch costs no copies.
 */
export function splitOutputs(outputs: readonly Tensor[], rows: readonly number[]): SplitResult {
  const total = sumOf(rows);
  for (const t of outputs) {
    if (!splittable(t, total)) {
      return {
        ok: false,
        reason: `output "${t.name}" has shape [${t.shape.join(',')}] for a batch of ${total} rows: its first dimension is not the batch`,
      };
    }
  }
  const pieces = new Array<Tensor[]>(rows.length);
  for (let j = 0; j < rows.length; j++) pieces[j] = new Array<Tensor>(outputs.length);
  for (let o = 0; o < outputs.length; o++) {
    const t = outputs[o]!;
    const stride = rowStride(t.shape);
    let at = 0;
    for (let j = 0; j < rows.length; j++) {
      const r = rows[j]!;
      pieces[j]![o] = piece(t, at, r, stride);
      at += r * stride;
    }
  }
  return { ok: true, pieces };
}

function sumOf(rows: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < rows.length; i++) total += rows[i]!;
  return total;
}

function splittable(t: Tensor, total: number): boolean {
  return t.shape.length > 0 && t.shape[0] === total && t.data.length === total * rowStride(t.shape);
}

function piece(t: Tensor, start: number, rows: number, stride: number): Tensor {
  const shape = t.shape.slice();
  shape[0] = rows;
  const end = start + rows * stride;
  const data = t.datatype === 'BYTES' ? (t.data as string[]).slice(start, end) : (t.data as Float32Array).subarray(start, end);
  return { name: t.name, datatype: t.datatype, shape, data };
}
