import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { MemoryResponseCache } from '../../src/storage/memory/memory-response-cache.js';
import { openRedisResponseCache } from '../../src/storage/redis/redis-response-cache.js';
import type { RedisResponseCacheOptions } from '../../src/storage/redis/redis-response-cache.js';
import { encodeTensors } from '../../src/storage/redis/response-cache-codec.js';
import { openResponseCache } from '../../src/storage/response-cache-backends.js';
import { isPending } from '../../src/storage/response-cache.js';
import { TieredResponseCache } from '../../src/storage/tiered-response-cache.js';
import { FakeClock } from '../conformance/registry-fixtures.js';
import { assertSameTensors, everyDatatype, responseCacheSuite, row, settle } from '../conformance/response-cache.suite.js';
import { REDIS_SKIP, redisUrl } from './services.js';

const MB = 1024 * 1024;

/** A TCP proxy to Redis that can stop passing bytes (a hung server, as the client sees it) and resume. */
async function freezableProxy(target: string) {
  const { hostname, port: targetPort } = new URL(target);
  const pairs: [Socket, Socket][] = [];
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort || 6379), hostname);
    pairs.push([client, upstream]);
    client.pipe(upstream);
    upstream.pipe(client);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const db = new URL(target).pathname;
  return {
    url: `redis://127.0.0.1:${port}${db}`,
    freeze(): void {
      frozen = true;
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    thaw(): void {
      frozen = false;
      for (const [a, b] of pairs) {
        a.pipe(b);
        b.pipe(a);
        a.resume();
        b.resume();
      }
    },
    async close(): Promise<void> {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A logger that keeps what it was told. */
function recordingLogger() {
  const lines: { obj: object; msg: string }[] = [];
  return { lines, warn: (obj: object, msg: string) => void lines.push({ obj, msg }) };
}

// These need no Redis at all: they are what a server does when its Redis is gone.
describe('Redis response cache without a reachable Redis', () => {
  test('an unreachable Redis opens anyway: get misses without a promise, set and delete do not throw', async () => {
    const logger = recordingLogger();
    const cache = await openRedisResponseCache('redis://127.0.0.1:1', { keyPrefix: 'p:', logger });
    try {
      assert.equal(cache.connected, false);
      for (let i = 0; i < 100; i++) {
        const hit = cache.get(`k${i}`);
        assert.equal(isPending(hit), false, 'a disconnected cache answers at once');
        assert.equal(hit, undefined);
        assert.equal(await settle(cache.getEntry(`k${i}`)), undefined);
        await settle(cache.set(`k${i}`, row(i), 60_000));
        await settle(cache.delete(`k${i}`));
      }
      const s = cache.stats();
      assert.equal(s.hits, 0);
      assert.equal(s.misses, 200);
      assert.equal(s.sets, 0);
      assert.ok(s.errors >= 400, `errors ${s.errors}`);
      // One line at start, then at most one per interval (60 s by default), however many failures.
      assert.ok(logger.lines.length <= 3, `${logger.lines.length} warnings`);
    } finally {
      await cache.close();
    }
  });

  test('a server that accepts connections and never answers holds the open at most the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const options: RedisResponseCacheOptions = { keyPrefix: 'p:', logger: recordingLogger(), connectTimeoutMs: 100 };
    const cache = await openRedisResponseCache(`redis://127.0.0.1:${port}`, options);
    try {
      assert.equal(cache.connected, false);
      assert.equal(cache.get('k'), undefined);
      assert.equal(cache.set('k', row(1), 1000), undefined);
    } finally {
      await cache.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('the tiered cache keeps answering from memory while its Redis is unreachable', async () => {
    const cache = await openResponseCache('redis://127.0.0.1:1/0', { maxBytes: MB, keyPrefix: 'p:', logger: recordingLogger() });
    try {
      assert.ok(cache instanceof TieredResponseCache);
      assert.equal(cache.get('k'), undefined);
      await settle(cache.set('k', row(1), 60_000));
      assertSameTensors(await settle(cache.get('k')), row(1));
      const s = cache.stats();
      assert.equal(s.hits, 1);
      assert.ok(s.errors > 0);
    } finally {
      await cache.close();
    }
  });
});

const url = redisUrl();

if (url === null) {
  test('Redis response cache', { skip: REDIS_SKIP }, () => undefined);
} else {
  // Every open gets its own key prefix under one per-run prefix; every key under it is deleted at the end.
  const run = `mooring_test_cache:${process.pid}_${randomBytes(3).toString('hex')}:`;
  let opened = 0;
  const freshPrefix = (): string => `${run}${opened++}:`;
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  after(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${run}*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await admin.quit();
  });
  const logger = { warn: (obj: object, msg: string) => console.error('redis cache warning:', msg, obj) };
  // Generous: these tests share a loaded machine, and a timed-out command would read as a wrong miss.
  const redis = (keyPrefix: string): RedisResponseCacheOptions => ({ keyPrefix, logger, commandTimeoutMs: 5000 });

  responseCacheSuite('redis', async () => ({ cache: await openRedisResponseCache(url, redis(freshPrefix())) }));

  responseCacheSuite('tiered memory+redis', async () => {
    const time = new FakeClock();
    const near = new MemoryResponseCache({ maxBytes: 64 * MB, clock: time.clock });
    const far = await openRedisResponseCache(url, redis(freshPrefix()));
    return { cache: new TieredResponseCache(near, far), advance: (ms: number) => void time.advance(ms) };
  });

  describe('Redis response cache against a real Redis', () => {
    test('entries live under the key prefix with Redis expiring them (SET PX)', async () => {
      const prefix = freshPrefix();
      const cache = await openRedisResponseCache(url, redis(prefix));
      try {
        assert.equal(cache.connected, true);
        await cache.set('k', row(1), 60_000);
        const ttl = await admin.pttl(`${prefix}k`);
        assert.ok(ttl > 0 && ttl <= 60_000, String(ttl));
        assert.equal(await admin.exists('k'), 0, 'nothing is written outside the prefix');
      } finally {
        await cache.close();
      }
    });

    test('a value that is not a cached answer is a counted miss, never a throw', async () => {
      const prefix = freshPrefix();
      const warnings = recordingLogger();
      const cache = await openRedisResponseCache(url, { ...redis(prefix), logger: warnings });
      try {
        const good = encodeTensors(everyDatatype(), Date.now() + 60_000);
        await admin.set(`${prefix}foreign`, 'hello', 'PX', 60_000);
        await admin.set(`${prefix}truncated`, good.subarray(0, good.length - 3), 'PX', 60_000);
        await admin.set(`${prefix}trailing`, Buffer.concat([good, Buffer.from([0])]), 'PX', 60_000);
        for (const k of ['foreign', 'truncated', 'trailing']) assert.equal(await settle(cache.get(k)), undefined, k);
        const s = cache.stats();
        assert.equal(s.misses, 3);
        assert.equal(s.errors, 3);
        // A value whose stored expiry has passed by this reader's clock is a miss, though Redis still holds it.
        await admin.set(`${prefix}late`, encodeTensors(row(1), Date.now() - 1), 'PX', 60_000);
        assert.equal(await settle(cache.get('late')), undefined);
        assert.equal(cache.stats().errors, 3, 'an expired value is not an error');
        assert.equal(warnings.lines.length, 1, 'one warning per interval');
      } finally {
        await cache.close();
      }
    });

    test('a Redis that stops answering: the lookup times out as a miss, then Redis is left alone for a pause', async () => {
      const proxy = await freezableProxy(url);
      const time = new FakeClock();
      const cache = await openRedisResponseCache(proxy.url, {
        keyPrefix: freshPrefix(),
        logger: recordingLogger(),
        commandTimeoutMs: 300, // long enough that the answers before the freeze never time out on a loaded machine
        pauseAfterFailureMs: 1000,
        clock: time.clock,
      });
      try {
        await cache.set('k', row(1), 3_600_000);
        assertSameTensors(await settle(cache.get('k')), row(1));
        proxy.freeze();
        assert.equal(await settle(cache.get('k')), undefined, 'the timed-out lookup is a miss');
        assert.equal(cache.get('k'), undefined, 'during the pause nothing is sent: the answer is immediate');
        assert.equal(cache.set('k2', row(2), 60_000), undefined);
        assert.ok(cache.stats().errors >= 3);
        proxy.thaw();
        time.advance(1001);
        const deadline = Date.now() + 10_000;
        while ((await settle(cache.get('k'))) === undefined) {
          assert.ok(Date.now() < deadline, 'the cache never recovered');
          time.advance(1001);
          await sleep(20);
        }
      } finally {
        await cache.close();
        await proxy.close();
      }
    });

    test('one server finds what another stored, and keeps it in its own memory', async () => {
      const prefix = freshPrefix();
      const open = async () =>
        new TieredResponseCache(new MemoryResponseCache({ maxBytes: MB }), await openRedisResponseCache(url, redis(prefix)));
      const [a, b] = await Promise.all([open(), open()]);
      try {
        await a.set('k', everyDatatype(), 60_000);
        assertSameTensors(await settle(b.get('k')), everyDatatype());
        const hit = b.get('k');
        assert.ok(Array.isArray(hit), 'the second lookup is a memory hit');
        assert.equal(b.stats().tiers?.['memory']?.entries, 1);
        assert.equal(b.stats().hits, 2);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    test('the opener gives memory in front of Redis for a redis:// URL', async () => {
      const cache = await openResponseCache(url, { maxBytes: MB, ...redis(freshPrefix()) });
      try {
        assert.ok(cache instanceof TieredResponseCache);
        await settle(cache.set('k', row(4), 60_000));
        assertSameTensors(await settle(cache.get('k')), row(4));
        assert.equal(cache.stats().tiers?.['shared']?.sets, 1);
      } finally {
        await cache.close();
      }
    });
  });
}
