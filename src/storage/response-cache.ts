import type { Tensor } from '../core/inference/tensor.js';

/**
 * ResponseCache: the port that keeps a model's answers under a key (see `inferenceKey` in
 * src/core/cache/inference-key.ts), so a repeated request is answered without running the model.
 *
 * Contract (every backend passes test/conformance/response-cache.suite.ts):
 * - `get` answers the outputs stored under the key, or `undefined`. It never answers an entry past its TTL. A
 *   backend that answers from process memory returns synchronously, so a hit on the hot path costs no promise; a
 *   remote backend returns a promise, or `undefined` synchronously when it already knows it cannot answer (not
 *   connected). Callers handle both: `const hit = cache.get(k); const outputs = isPending(hit) ? await hit : hit`.
 * - Values come back equal to what was stored, for every datatype: names, datatypes, shapes, the same typed array
 *   kind and elements (INT64/UINT64 beyond 2^53, FP16 bits, -0, BYTES strings with any well-formed Unicode).
 *   A remote backend stores BYTES as UTF-8, so a lone surrogate comes back as U+FFFD (runtimes never produce one).
 * - Answers may be shared between requests (a memory backend hands every hit the same objects): callers treat them
 *   as immutable. Objects that can be frozen are; typed array elements cannot be, and must not be written.
 * - `set` stores a copy (or an encoding): changing `outputs` afterwards does not change the entry. `ttlMs` is a
 *   positive whole number of milliseconds (a fraction is rounded up); a value that is not positive or not finite
 *   stores nothing. An entry too large for the backend's bound is not stored. A later `set` of a key replaces it.
 * - `set` returns once the entry is visible to this process's `get` for a memory backend; a remote backend's
 *   promise resolves when the write is acknowledged (or given up). Callers on the request path need not await it.
 * - A failing backend never fails a request: `get` answers `undefined`, `set` and `delete` are dropped; none of them
 *   throw or reject. Failures are counted in `stats().errors` and logged through the injected logger at most once
 *   per interval.
 * - `close` releases connections; after it `get` answers `undefined` and `set` does nothing.
 * Not promised: that an entry stays until its TTL (a size bound or the remote store may evict it sooner); that a
 * `set` from one server is visible to another at once; LRU order across servers; atomicity between tiers.
 */
export interface ResponseCache {
  /** The outputs stored under `key`, if present and not expired. */
  get(key: string): Tensor[] | undefined | Promise<Tensor[] | undefined>;

  /** Like `get`, with the milliseconds the entry has left (a tier in front uses it to expire no later). */
  getEntry(key: string): ResponseCacheEntry | undefined | Promise<ResponseCacheEntry | undefined>;

  /** Stores `outputs` under `key` for `ttlMs` milliseconds. */
  set(key: string, outputs: readonly Tensor[], ttlMs: number): void | Promise<void>;

  /** Removes the entry under `key`, if any. */
  delete(key: string): void | Promise<void>;

  /** Counters since the cache was opened, for metrics. */
  stats(): ResponseCacheStats;

  /** Releases connections and timers; idempotent. */
  close(): Promise<void>;
}

/** One stored answer and how long it has left. */
export interface ResponseCacheEntry {
  readonly outputs: Tensor[];
  /** Milliseconds until it expires (> 0); `Infinity` only if it was stored without a TTL, which `set` never does. */
  readonly ttlMs: number;
}

/** What a cache has done since it opened. */
export interface ResponseCacheStats {
  /** `get` calls answered with outputs. */
  readonly hits: number;
  /** `get` calls answered `undefined`, including those a failing backend could not answer. */
  readonly misses: number;
  /** `set` calls that stored (or, remotely, sent) an entry. */
  readonly sets: number;
  /** Backend failures: lookups answered as misses, writes dropped, connection errors, unreadable values. */
  readonly errors: number;
  /** Entries held now (memory backends). */
  readonly entries?: number;
  /** Estimated bytes held now (memory backends); never above the configured bound. */
  readonly bytes?: number;
  /** Entries pushed out by the size bound before their TTL (memory backends). */
  readonly evictions?: number;
  /** Per-tier counters of a layered cache, e.g. `{ memory, redis }`. */
  readonly tiers?: Readonly<Record<string, ResponseCacheStats>>;
}

/** Where a cache reports backend failures; a pino logger fits. */
export interface ResponseCacheLogger {
  warn(obj: object, msg: string): void;
}

/** True when a `get`/`getEntry` answer is still on its way (a remote lookup), false when it is already known. */
export function isPending<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** `ttlMs` as a whole number of milliseconds to store for, or 0 when nothing should be stored. */
export function storableTtl(ttlMs: number): number {
  return Number.isFinite(ttlMs) && ttlMs > 0 ? Math.ceil(ttlMs) : 0;
}
