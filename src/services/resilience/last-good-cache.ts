import { inferenceKey } from '../../core/cache/inference-key.js';
import type { Tensor } from '../../core/inference/tensor.js';
import type { ResponseCache } from '../../storage/response-cache.js';

/**
 * The `cache` fallback's store: the last good answer of a MODEL (not of one version) for an input, kept for the
 * policy's `fallback.cacheTtlMs`. It differs from the response cache on purpose: the response cache answers a
 * version's own repeated requests as normal answers and never crosses versions, while this one is read only when the
 * model cannot answer, and then any version's last answer for that input beats none.
 *
 * Entries live in the server's response-cache backend (process memory, or Redis shared by the replicas) under a
 * model-level identity, so they never collide with a version's response-cache entries. Inputs are keyed in name
 * order, so the key does not depend on which version's signature ordered them.
 */
export class LastGoodCache {
  constructor(private readonly cache: ResponseCache) {}

  /** Keeps `outputs` as the answer for `inputs` (a write the caller need not await; a failing backend drops it). */
  keep(model: string, inputs: readonly Tensor[], wanted: readonly string[] | undefined, outputs: readonly Tensor[], ttlMs: number): void {
    void this.cache.set(keyOf(model, inputs, wanted), outputs, ttlMs);
  }

  /** The last good answer for `inputs`, if one is kept. */
  async find(model: string, inputs: readonly Tensor[], wanted: readonly string[] | undefined): Promise<Tensor[] | undefined> {
    return this.cache.get(keyOf(model, inputs, wanted));
  }
}

/** Version 0 and this digest mark the model-level entries; versions start at 1, digests are hex. */
const LAST_GOOD = 'last-good';

function keyOf(model: string, inputs: readonly Tensor[], wanted: readonly string[] | undefined): string {
  const ordered = inputs.length < 2 ? inputs : [...inputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return inferenceKey({ name: model, version: 0, digest: LAST_GOOD }, ordered, wanted);
}
