import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryResponseCache } from '../../src/storage/memory/memory-response-cache.js';
import { openResponseCache } from '../../src/storage/response-cache-backends.js';
import { TieredResponseCache } from '../../src/storage/tiered-response-cache.js';
import { rejectsWith } from './registry-fixtures.js';
import { FakeClock } from './registry-fixtures.js';
import { assertSameTensors, responseCacheSuite, row, settle } from './response-cache.suite.js';

const MB = 1024 * 1024;

function memory(maxBytes = 64 * MB) {
  const time = new FakeClock();
  return { cache: new MemoryResponseCache({ maxBytes, clock: time.clock }), advance: (ms: number) => void time.advance(ms) };
}

responseCacheSuite('memory', async () => memory(), { openBounded: async (maxBytes) => memory(maxBytes) });

// The tiered logic over a second memory cache standing in for Redis, so it runs on every machine; the Redis runner
// (test/integration/redis-response-cache.test.ts) runs the same suite over real Redis.
responseCacheSuite('tiered memory+memory', async () => {
  const time = new FakeClock();
  const near = new MemoryResponseCache({ maxBytes: 64 * MB, clock: time.clock });
  const far = new MemoryResponseCache({ maxBytes: 64 * MB, clock: time.clock });
  return { cache: new TieredResponseCache(near, far), advance: (ms: number) => void time.advance(ms) };
});

describe('TieredResponseCache', () => {
  test('a shared hit fills memory for the time the shared entry has left, never longer', async () => {
    const time = new FakeClock();
    const near = new MemoryResponseCache({ maxBytes: MB, clock: time.clock });
    const far = new MemoryResponseCache({ maxBytes: MB, clock: time.clock });
    const tiered = new TieredResponseCache(near, far);
    far.set('k', row(1), 1000); // written by another server
    time.advance(600);
    assertSameTensors(await settle(tiered.get('k')), row(1));
    const kept = near.getEntry('k');
    assert.ok(kept !== undefined && kept.ttlMs <= 400, `memory keeps it ${kept?.ttlMs} ms`);
    time.advance(401);
    assert.equal(near.get('k'), undefined, 'memory dropped it when the shared entry expired');
    assert.equal(await settle(tiered.get('k')), undefined);
    await tiered.close();
  });

  test('a memory hit answers synchronously and never asks the shared tier', async () => {
    const near = new MemoryResponseCache({ maxBytes: MB });
    const far = new MemoryResponseCache({ maxBytes: MB });
    const tiered = new TieredResponseCache(near, far);
    await settle(tiered.set('k', row(1), 60_000));
    const hit = tiered.get('k');
    assert.ok(Array.isArray(hit), 'a memory hit is not a promise');
    assert.equal(far.stats().hits + far.stats().misses, 0);
    const s = tiered.stats();
    assert.equal(s.hits, 1);
    assert.equal(s.tiers?.['memory']?.entries, 1);
    assert.equal(s.tiers?.['shared']?.entries, 1);
    await tiered.close();
  });
});

describe('openResponseCache', () => {
  const logger = { warn: () => undefined };

  test('memory: opens a cache in this process', async () => {
    const cache = await openResponseCache('memory:', { maxBytes: MB, keyPrefix: 'ignored:', logger });
    assert.ok(cache instanceof MemoryResponseCache);
    cache.set('k', row(1), 1000);
    assertSameTensors(await settle(cache.get('k')), row(1));
    await cache.close();
  });

  test('an unknown scheme is CONFIG_INVALID naming the accepted forms; so is a bad bound or a malformed Redis URL', async () => {
    for (const url of ['memcached://host:11211', 'redis:/nohost', 'file:///tmp/x', '', 'memory']) {
      await rejectsWith(openResponseCache(url, { maxBytes: MB, keyPrefix: 'p:', logger }), 'CONFIG_INVALID');
    }
    await assert.rejects(openResponseCache('memcached://h', { maxBytes: MB, keyPrefix: 'p:', logger }), /memory:, redis:\/\/host:port\/db, rediss:\/\/host:port\/db/);
    for (const url of ['redis://', 'redis://host:6379/not-a-db', 'redis://host:99999']) {
      await rejectsWith(openResponseCache(url, { maxBytes: MB, keyPrefix: 'p:', logger }), 'CONFIG_INVALID');
    }
    await assert.rejects(
      openResponseCache('redis://user:s3cret@host:6379/x', { maxBytes: MB, keyPrefix: 'p:', logger }),
      (e: Error) => !e.message.includes('s3cret'),
    );
    for (const maxBytes of [0, -1, Number.NaN]) {
      await rejectsWith(openResponseCache('memory:', { maxBytes, keyPrefix: 'p:', logger }), 'CONFIG_INVALID');
    }
  });
});
