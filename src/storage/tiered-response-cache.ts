import type { Tensor } from '../core/inference/tensor.js';
import type { MemoryResponseCache } from './memory/memory-response-cache.js';
import type { ResponseCache, ResponseCacheEntry, ResponseCacheStats } from './response-cache.js';
import { isPending } from './response-cache.js';

/**
 * Process memory in front of a shared cache (L1/L2): what a server uses with a Redis URL, so a hot key costs a map
 * lookup and no round trip, while a key another server computed is still found.
 *
 * - `get` tries memory; on a miss it asks the shared tier and, on a hit there, keeps the answer in memory for the
 *   time the shared entry has left (never longer, so neither tier answers past the TTL given to `set`).
 * - `set` writes both tiers; memory at once, the shared tier in the background (its promise is returned).
 * - `delete` removes the key from both.
 * Across servers, memory tiers are not invalidated: an answer kept in one server's memory stays until its TTL.
 * That is sound because a key names an exact model artifact and input, whose answer never changes.
 */
export class TieredResponseCache implements ResponseCache {
  readonly #memory: MemoryResponseCache;
  readonly #shared: ResponseCache;
  #hits = 0;
  #misses = 0;

  constructor(memory: MemoryResponseCache, shared: ResponseCache) {
    this.#memory = memory;
    this.#shared = shared;
  }

  get(key: string): Tensor[] | undefined | Promise<Tensor[] | undefined> {
    // The hot path: a memory hit is one map lookup, no entry object and no promise.
    const near = this.#memory.get(key);
    if (near !== undefined) {
      this.#hits++;
      return near;
    }
    const far = this.#farEntry(key);
    return isPending(far) ? far.then((entry) => entry?.outputs) : far?.outputs;
  }

  getEntry(key: string): ResponseCacheEntry | undefined | Promise<ResponseCacheEntry | undefined> {
    const near = this.#memory.getEntry(key);
    if (near !== undefined) {
      this.#hits++;
      return near;
    }
    return this.#farEntry(key);
  }

  set(key: string, outputs: readonly Tensor[], ttlMs: number): void | Promise<void> {
    this.#memory.set(key, outputs, ttlMs);
    return this.#shared.set(key, outputs, ttlMs);
  }

  delete(key: string): void | Promise<void> {
    this.#memory.delete(key);
    return this.#shared.delete(key);
  }

  /** Hits in either tier, misses in both; `errors` are the shared tier's; `entries`/`bytes` the memory tier's. */
  stats(): ResponseCacheStats {
    const memory = this.#memory.stats();
    const shared = this.#shared.stats();
    return {
      hits: this.#hits,
      misses: this.#misses,
      sets: memory.sets,
      errors: memory.errors + shared.errors,
      ...(memory.entries === undefined ? {} : { entries: memory.entries }),
      ...(memory.bytes === undefined ? {} : { bytes: memory.bytes }),
      ...(memory.evictions === undefined ? {} : { evictions: memory.evictions }),
      tiers: { memory, shared },
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.#memory.close(), this.#shared.close()]);
  }

  #farEntry(key: string): ResponseCacheEntry | undefined | Promise<ResponseCacheEntry | undefined> {
    const far = this.#shared.getEntry(key);
    return isPending(far) ? far.then((entry) => this.#fromShared(key, entry)) : this.#fromShared(key, far);
  }

  #fromShared(key: string, entry: ResponseCacheEntry | undefined): ResponseCacheEntry | undefined {
    if (entry === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    // The shared tier decoded fresh tensors for this call: memory keeps them without another copy. The answer
    // returned is the very objects memory now holds, frozen like any other memory hit.
    this.#memory.adopt(key, entry.outputs, entry.ttlMs);
    return entry;
  }
}
