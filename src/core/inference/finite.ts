import type { Tensor } from './tensor.js';

/**
 * Where a model's floating-point outputs hold NaN or ±Infinity. The dataplane checks every answer with this before it
 * counts as good: a model that starts returning NaN is failing, for its circuit breaker and its fallbacks, not only
 * for the encoder that would refuse to write it.
 */

/** The first output holding a non-finite value, with its element index, or null when all are finite. */
export function firstNonFinite(outputs: readonly Tensor[]): { readonly output: string; readonly index: number } | null {
  for (const t of outputs) {
    const d = t.data;
    if (t.datatype === 'FP32' || t.datatype === 'FP64') {
      const f = d as Float32Array | Float64Array;
      for (let i = 0; i < f.length; i++) {
        const v = f[i]!;
        if (v - v !== 0) return { output: t.name, index: i };
      }
    } else if (t.datatype === 'FP16') {
      const h = d as Uint16Array;
      // Exponent bits all set: Infinity or NaN.
      for (let i = 0; i < h.length; i++) if ((h[i]! & 0x7c00) === 0x7c00) return { output: t.name, index: i };
    }
  }
  return null;
}
