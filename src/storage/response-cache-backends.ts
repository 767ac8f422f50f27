import { fail } from '../core/errors.js';
import { MemoryResponseCache } from './memory/memory-response-cache.js';
import { openRedisResponseCache } from './redis/redis-response-cache.js';
import type { ResponseCache, ResponseCacheLogger } from './response-cache.js';
import { TieredResponseCache } from './tiered-response-cache.js';

/**
 * The response cache chosen by configuration: the URL's scheme picks the backend from a table, as for the other
 * stores (src/storage/backends.ts), so the dataplane never asks which cache it has.
 */

/** What every response cache backend is opened with; a backend ignores what it has no use for. */
export interface ResponseCacheOptions {
  /** Most bytes the in-process tier may hold (estimated; see src/core/cache/cached-tensors.ts). */
  readonly maxBytes: number;
  /** Prefix of every Redis key (e.g. `mooring:cache:`); unused by `memory:`. */
  readonly keyPrefix: string;
  /** Where Redis failures are reported, at most once per interval. */
  readonly logger: ResponseCacheLogger;
  /** Longest one Redis command may hold a request (default 50 ms); unused by `memory:`. */
  readonly commandTimeoutMs?: number;
}

interface Backend {
  readonly forms: readonly string[];
  readonly matches: (url: string) => boolean;
  readonly open: (url: string, options: ResponseCacheOptions) => Promise<ResponseCache>;
}

const BACKENDS: readonly Backend[] = [
  {
    forms: ['memory:'],
    matches: (url) => url === 'memory:',
    open: async (_url, o) => new MemoryResponseCache({ maxBytes: o.maxBytes }),
  },
  {
    // Memory in front of Redis: hot keys cost no round trip, and every server sees what the others computed.
    forms: ['redis://host:port/db', 'rediss://host:port/db'],
    matches: (url) => url.startsWith('redis://') || url.startsWith('rediss://'),
    open: async (url, o) =>
      new TieredResponseCache(
        new MemoryResponseCache({ maxBytes: o.maxBytes }),
        await openRedisResponseCache(url, {
          keyPrefix: o.keyPrefix,
          logger: o.logger,
          ...(o.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: o.commandTimeoutMs }),
        }),
      ),
  },
];

/**
 * Opens the response cache a URL names: `memory:` (this process only) or `redis://...` / `rediss://...` (process
 * memory in front of Redis, shared by every server). An unreachable Redis does not fail the open (the cache answers
 * misses until it connects). Throws CONFIG_INVALID for any other scheme, a malformed Redis URL, or `maxBytes` < 1.
 */
export async function openResponseCache(url: string, options: ResponseCacheOptions): Promise<ResponseCache> {
  if (!(options.maxBytes >= 1)) {
    throw fail('CONFIG_INVALID', 'the response cache memory bound (maxBytes) must be at least 1 byte', {
      maxBytes: options.maxBytes,
    });
  }
  const backend = BACKENDS.find((b) => b.matches(url));
  if (backend === undefined) {
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? '(none)';
    const accepted = BACKENDS.flatMap((b) => b.forms);
    throw fail('CONFIG_INVALID', `unknown response cache URL scheme ${scheme}: use one of ${accepted.join(', ')}`, {
      scheme,
      accepted,
    });
  }
  return backend.open(url, options);
}
