import type { Signature, TensorSpec } from '../inference/tensor.js';

/** Whether a model can be served through the dynamic batcher, and if not, a sentence saying why (for metadata). */
export type Batchability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: Batchability = { ok: true };

/**
 * True only when every input and every output has rank >= 1 and a variable first dimension (`-1`): then
 * requests can be stacked along dimension 0 and the answer cut back by rows. It is a necessary condition, not a
 * proof: a model that mixes rows (statistics over the batch) passes it, so batching stays an opt-in per
 * deployment.
 */
export function batchable(signature: Signature): Batchability {
  if (signature.inputs.length === 0) return { ok: false, reason: 'the model has no inputs, so there are no rows to batch' };
  for (const spec of signature.inputs) {
    const reason = problem('input', spec);
    if (reason !== null) return { ok: false, reason };
  }
  for (const spec of signature.outputs) {
    const reason = problem('output', spec);
    if (reason !== null) return { ok: false, reason };
  }
  return OK;
}

function problem(kind: 'input' | 'output', spec: TensorSpec): string | null {
  if (spec.shape.length === 0) return `${kind} "${spec.name}" is a scalar (rank 0): it has no batch dimension`;
  const first = spec.shape[0]!;
  if (first !== -1) {
    return `${kind} "${spec.name}" has a fixed first dimension (${first}), not a variable batch dimension (-1)`;
  }
  return null;
}
