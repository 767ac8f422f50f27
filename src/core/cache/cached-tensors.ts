import type { Tensor, TensorData } from '../inference/tensor.js';

/**
 * How a response cache holds tensors: its own compact copy, frozen where JavaScript allows, with an honest size.
 *
 * Why copy on store: a model's outputs may be views into a larger buffer (a batched run split per request, a
 * runtime's output arena). Keeping a view would keep the whole buffer alive while the size bound counted only the
 * view, and a producer reusing its buffer would change cached answers. One copy per store is paid on a miss, next to
 * a model run; a hit pays nothing. Measured (bench/cache-key.ts): about 1 µs to copy and freeze the demo's
 * two-tensor answer, no more than freezing fresh tensor objects without copying the elements.
 *
 * Why freeze: the tensor objects, shapes and BYTES arrays are frozen so an accidental write throws in strict code.
 * Typed arrays with elements cannot be frozen (JavaScript refuses), so numeric data stays writable: readers must not
 * write to it (the response cache's contract).
 */

/** Estimated bytes a tensor costs besides its elements: the object, its shape array, the typed array and buffer. */
export const TENSOR_OVERHEAD_BYTES = 160;

/** Estimated bytes a cache entry costs besides its tensors: the key string, the list node and the entry array. */
export const ENTRY_OVERHEAD_BYTES = 96;

/** Estimated bytes per BYTES string besides its characters (the string header). */
export const STRING_OVERHEAD_BYTES = 24;

/** Bytes a tensor's elements take in memory (BYTES strings counted at two bytes per UTF-16 unit plus a header). */
export function tensorDataBytes(data: TensorData): number {
  if (!Array.isArray(data)) return data.byteLength;
  let n = 0;
  for (const s of data) n += STRING_OVERHEAD_BYTES + 2 * s.length;
  return n;
}

/** The estimated memory an entry of `outputs` under `key` takes: what a byte-bounded cache charges for it. */
export function cachedEntryBytes(key: string, outputs: readonly Tensor[]): number {
  let n = ENTRY_OVERHEAD_BYTES + 2 * key.length;
  for (const t of outputs) n += TENSOR_OVERHEAD_BYTES + 8 * t.shape.length + 2 * t.name.length + tensorDataBytes(t.data);
  return n;
}

/** A copy of `outputs` that owns its buffers, with every object JavaScript can freeze frozen. */
export function ownedTensors(outputs: readonly Tensor[]): Tensor[] {
  const copy = new Array<Tensor>(outputs.length);
  for (let i = 0; i < outputs.length; i++) copy[i] = ownedTensor(outputs[i]!);
  return Object.freeze(copy) as Tensor[];
}

/** Freezes tensors that the caller already owns (fresh from a decoder), without copying their data. */
export function frozenTensors(outputs: Tensor[]): Tensor[] {
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i]!;
    if (Array.isArray(t.data)) Object.freeze(t.data);
    Object.freeze(t.shape);
    Object.freeze(t);
  }
  return Object.freeze(outputs) as Tensor[];
}

function ownedTensor(t: Tensor): Tensor {
  // slice() on a typed array copies into a new buffer of exactly its length; on string[] it copies the array.
  const data: TensorData = Array.isArray(t.data) ? Object.freeze(t.data.slice()) as string[] : t.data.slice();
  return Object.freeze({ name: t.name, datatype: t.datatype, shape: Object.freeze(t.shape.slice()), data });
}
