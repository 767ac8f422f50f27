import { LRUCache } from 'lru-cache';
import { cachedEntryBytes, frozenTensors, ownedTensors } from '../../core/cache/cached-tensors.js';
import type { Clock } from '../../core/clock.js';
import type { Tensor } from '../../core/inference/tensor.js';
import type { ResponseCache, ResponseCacheEntry, ResponseCacheStats } from '../response-cache.js';
import { storableTtl } from '../response-cache.js';

/** How the in-process response cache is bounded. */
export interface MemoryResponseCacheOptions {
  /** Most bytes the entries may take (estimated: element bytes plus a fixed overhead per tensor and entry). */
  readonly maxBytes: number;
  /**
   * Source of time for TTLs, in milliseconds (default: `performance.now`, which the wall clock's jumps do not move).
   * Tests inject a clock they move by hand; it must never answer 0 (lru-cache reads a start of 0 as "no TTL").
   */
  readonly clock?: Clock;
}

/**
 * The response cache in process memory: an LRU bounded by estimated bytes, every entry with its own TTL. Gets and
 * sets are synchronous, so a hit costs a map lookup and no promise. Entries are copies owned by the cache (see
 * src/core/cache/cached-tensors.ts) and every hit of a key returns the same frozen objects.
 */
export class MemoryResponseCache implements ResponseCache {
  readonly #lru: LRUCache<string, Tensor[]>;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #evictions = 0;
  #closed = false;

  constructor(options: MemoryResponseCacheOptions) {
    const maxSize = Math.floor(options.maxBytes);
    if (!(maxSize >= 1)) throw new RangeError('MemoryResponseCache needs maxBytes >= 1');
    const clock = options.clock;
    this.#lru = new LRUCache<string, Tensor[]>({
      maxSize,
      sizeCalculation: (value, key) => cachedEntryBytes(key, value),
      // Staleness is checked against the clock on every read (not a clock cached for 1 ms), so a get never returns
      // an entry past its TTL; performance.now costs well under the rest of a lookup.
      ttlResolution: 0,
      ttlAutopurge: false,
      allowStale: false,
      updateAgeOnGet: false,
      ...(clock === undefined ? {} : { perf: { now: clock } }),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
      },
    });
  }

  get(key: string): Tensor[] | undefined {
    const value = this.#closed ? undefined : this.#lru.get(key);
    if (value === undefined) this.#misses++;
    else this.#hits++;
    return value;
  }

  getEntry(key: string): ResponseCacheEntry | undefined {
    const outputs = this.get(key);
    return outputs === undefined ? undefined : { outputs, ttlMs: this.#lru.getRemainingTTL(key) };
  }

  set(key: string, outputs: readonly Tensor[], ttlMs: number): void {
    this.#store(key, ownedTensors(outputs), ttlMs);
  }

  /**
   * Stores tensors the caller hands over for good (fresh from a decoder, or already shared and immutable), without
   * copying their data; it freezes them. The tier in front of a remote cache fills itself this way on a remote hit.
   */
  adopt(key: string, outputs: Tensor[], ttlMs: number): void {
    this.#store(key, frozenTensors(outputs), ttlMs);
  }

  delete(key: string): void {
    this.#lru.delete(key);
  }

  stats(): ResponseCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      sets: this.#sets,
      errors: 0,
      entries: this.#lru.size,
      bytes: this.#lru.calculatedSize,
      evictions: this.#evictions,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#lru.clear();
  }

  #store(key: string, outputs: Tensor[], ttlMs: number): void {
    const ttl = storableTtl(ttlMs);
    if (ttl === 0 || this.#closed) return;
    // An entry larger than maxSize is refused by lru-cache itself (maxEntrySize defaults to maxSize; the status
    // says 'miss'), and a replaced value is disposed with reason 'set', which is not an eviction.
    const status: LRUCache.Status<string, Tensor[]> = {};
    this.#lru.set(key, outputs, { ttl, status });
    if (status.set !== 'miss') this.#sets++;
  }
}
