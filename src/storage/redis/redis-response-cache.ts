import { Redis } from 'ioredis';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { frozenTensors } from '../../core/cache/cached-tensors.js';
import { fail } from '../../core/errors.js';
import type { Tensor } from '../../core/inference/tensor.js';
import type { ResponseCache, ResponseCacheEntry, ResponseCacheLogger, ResponseCacheStats } from '../response-cache.js';
import { storableTtl } from '../response-cache.js';
import { decodeTensors, encodeTensors } from './response-cache-codec.js';
import type { CachedValue } from './response-cache-codec.js';
import { ThrottledWarning } from './throttled-warning.js';

/** How the Redis response cache connects and how long it may make a request wait. */
export interface RedisResponseCacheOptions {
  /** Prepended to every key, e.g. `mooring:cache:`; lets several deployments share one Redis database. */
  readonly keyPrefix: string;
  readonly logger: ResponseCacheLogger;
  /**
   * Longest one command may take before it counts as a failure and the lookup as a miss (default 50 ms). Not much
   * lower: the timer fires on the event loop, so a loop busy for longer than this times out replies that arrived.
   */
  readonly commandTimeoutMs?: number;
  /** Longest a connection attempt may take; also how long opening waits for the first one (default 1000 ms). */
  readonly connectTimeoutMs?: number;
  /** After a failed command, Redis is left alone this long so a hung server cannot slow every request (1000 ms). */
  readonly pauseAfterFailureMs?: number;
  /** At most one warning per this many milliseconds while Redis keeps failing (default 60 s). */
  readonly warnIntervalMs?: number;
  /**
   * Wall-clock epoch milliseconds (default `Date.now`): stamps each value's expiry, which other servers read with
   * their own clocks, and times the pause and the warnings.
   */
  readonly clock?: Clock;
}

const DEFAULTS = { commandTimeoutMs: 50, connectTimeoutMs: 1000, pauseAfterFailureMs: 1000, warnIntervalMs: 60_000 };

/**
 * The response cache in Redis, shared by every server of a deployment. Values are the binary layout of
 * response-cache-codec.ts, written with `SET key value PX ttl`, so Redis expires them itself.
 *
 * A lookup is one GET. The value also carries its expiry time by the writer's clock, which gives `getEntry` the
 * time left without a second command (GET + PTTL pipelined measured about twice the cost of a GET): a reader whose
 * clock runs behind the writer's may keep an entry in its memory tier that much longer than Redis does, which NTP
 * keeps to milliseconds. A reader whose clock says the entry is over treats it as a miss.
 *
 * Why the request path can never be slowed much or failed by Redis: commands are only sent on a ready connection
 * (no offline queue: while disconnected, `get` answers `undefined` at once, without a promise), every command has a
 * short timeout and is never retried, a failed command pauses Redis use for a moment, and a socket that stops
 * answering is torn down and reconnected in the background. Every failure is counted and warned about at most once
 * per interval; nothing throws or rejects.
 */
export class RedisResponseCache implements ResponseCache {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #pauseMs: number;
  readonly #warning: ThrottledWarning;
  #pausedUntil = 0;
  #closed = false;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #errors = 0;

  /** Use `openRedisResponseCache`, which validates the URL and waits for the first connection. */
  constructor(client: Redis, options: RedisResponseCacheOptions) {
    this.#client = client;
    this.#prefix = options.keyPrefix;
    this.#clock = options.clock ?? systemClock;
    this.#pauseMs = options.pauseAfterFailureMs ?? DEFAULTS.pauseAfterFailureMs;
    this.#warning = new ThrottledWarning(
      options.logger,
      'Redis response cache unavailable: answering without it',
      options.warnIntervalMs ?? DEFAULTS.warnIntervalMs,
      this.#clock,
    );
    // Without a listener ioredis prints every connection error to the console.
    client.on('error', (error: Error) => this.#failed('connection', error));
  }

  /** True while the connection is ready (for readiness reports; the cache works, as misses, without it). */
  get connected(): boolean {
    return this.#client.status === 'ready';
  }

  get(key: string): Promise<Tensor[] | undefined> | undefined {
    const entry = this.getEntry(key);
    return entry === undefined ? undefined : entry.then((e) => e?.outputs);
  }

  getEntry(key: string): Promise<ResponseCacheEntry | undefined> | undefined {
    if (!this.#usable('get')) {
      this.#misses++;
      return undefined;
    }
    return this.#client.getBuffer(this.#prefix + key).then(
      (value) => this.#answer(value),
      (error: unknown) => this.#lookupFailed(error),
    );
  }

  set(key: string, outputs: readonly Tensor[], ttlMs: number): Promise<void> | undefined {
    const ttl = storableTtl(ttlMs);
    if (ttl === 0 || !this.#usable('set')) return undefined;
    let value: Buffer;
    try {
      value = encodeTensors(outputs, this.#clock() + ttl);
    } catch (error) {
      this.#failed('set', error);
      return undefined;
    }
    this.#sets++;
    return this.#client.set(this.#prefix + key, value, 'PX', ttl).then(
      () => undefined,
      (error: unknown) => this.#commandFailed('set', error),
    );
  }

  delete(key: string): Promise<void> | undefined {
    if (!this.#usable('delete')) return undefined;
    return this.#client.del(this.#prefix + key).then(
      () => undefined,
      (error: unknown) => this.#commandFailed('delete', error),
    );
  }

  stats(): ResponseCacheStats {
    return { hits: this.#hits, misses: this.#misses, sets: this.#sets, errors: this.#errors };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.status === 'ready') {
      try {
        await this.#client.quit();
        return;
      } catch {
        // fall through: a hung server must not hold shutdown up
      }
    }
    this.#client.disconnect();
  }

  /** Whether to send a command now; counts and warns when Redis cannot be used (closed stays quiet). */
  #usable(op: string): boolean {
    if (this.#closed) return false;
    if (this.#pausedUntil !== 0) {
      if (this.#clock() < this.#pausedUntil) return this.#skipped(op, 'paused after a failed command');
      this.#pausedUntil = 0;
    }
    if (this.#client.status !== 'ready') return this.#skipped(op, `not connected (${this.#client.status})`);
    return true;
  }

  #skipped(op: string, reason: string): false {
    this.#errors++;
    this.#warning.note({ op, reason });
    return false;
  }

  #answer(value: Buffer | null): ResponseCacheEntry | undefined {
    if (value === null) {
      this.#misses++;
      return undefined;
    }
    let decoded: CachedValue;
    try {
      decoded = decodeTensors(value);
    } catch (error) {
      this.#misses++;
      this.#failed('get', error);
      return undefined;
    }
    const ttlMs = decoded.expiresAt - this.#clock();
    if (!(ttlMs > 0)) {
      // Redis expires by its own clock; this reader's clock already says it is over, so it is over.
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    // Frozen like a memory hit, so callers see one kind of answer whatever the backend.
    return { outputs: frozenTensors(decoded.tensors), ttlMs };
  }

  #lookupFailed(error: unknown): undefined {
    this.#misses++;
    this.#commandFailed('get', error);
    return undefined;
  }

  #commandFailed(op: string, error: unknown): void {
    if (this.#closed) return;
    this.#pausedUntil = this.#clock() + this.#pauseMs;
    this.#failed(op, error);
  }

  #failed(op: string, error: unknown): void {
    if (this.#closed) return;
    this.#errors++;
    this.#warning.note({ op, err: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Connects to the Redis a `redis://` or `rediss://` URL names (`redis://[user:password@]host:port[/db]`) and
 * waits at most `connectTimeoutMs` for the first connection. An unreachable Redis does not fail the open: the
 * server starts, answers without the cache and connects when Redis comes back. A malformed URL throws
 * CONFIG_INVALID (the message never repeats the URL, which may hold a password).
 */
export async function openRedisResponseCache(url: string, options: RedisResponseCacheOptions): Promise<RedisResponseCache> {
  checkRedisUrl(url);
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    // A connection that stops answering is dropped (and reconnected) instead of timing out command after command.
    socketTimeout: Math.max(1000, 10 * commandTimeoutMs),
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 2000),
    connectionName: 'mooring-response-cache',
    disableClientInfo: true,
  });
  const cache = new RedisResponseCache(client, options);
  await firstConnection(client, connectTimeoutMs);
  if (!cache.connected) {
    options.logger.warn({ status: client.status }, 'Redis response cache not reachable at start: answering without it until it is');
  }
  return cache;
}

function checkRedisUrl(url: string): void {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  const ok =
    parsed !== null &&
    (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') &&
    parsed.hostname !== '' &&
    /^(\/\d*)?$/.test(parsed.pathname);
  if (!ok) {
    throw fail('CONFIG_INVALID', 'a Redis cache URL must look like redis://[user:password@]host:port[/db] (or rediss://)', {
      accepted: ['redis://host:port/db', 'rediss://host:port/db'],
    });
  }
}

/** Resolves once the client is ready, has failed its first attempt, or `ms` have passed; never rejects. */
function firstConnection(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      client.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once('ready', done);
    client.once('error', done);
    client.once('end', done);
  });
}
