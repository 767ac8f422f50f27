import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { inferenceKey } from '../../src/core/cache/inference-key.js';
import type { Tensor } from '../../src/core/inference/tensor.js';
import type { ResponseCache } from '../../src/storage/response-cache.js';
import { isPending } from '../../src/storage/response-cache.js';

/**
 * The ResponseCache contract (src/storage/response-cache.ts) as tests. Every backend runs this one suite through a
 * one-line runner, e.g. `responseCacheSuite('memory', async () => ({ cache: new MemoryResponseCache(...) }))`.
 * `open` must return an empty cache each time it is called.
 */

/** One opened cache and what the suite may do to its time. */
export interface ResponseCacheFixture {
  readonly cache: ResponseCache;
  /** Moves the cache's own clock forward, when the test controls it (memory); a remote store expires in real time. */
  readonly advance?: (ms: number) => void;
}

/** What a backend can be asked beyond the common contract. */
export interface ResponseCacheSuiteOptions {
  /** Opens an empty cache bounded to `maxBytes`, for a backend that evicts by size (memory); absent otherwise. */
  readonly openBounded?: (maxBytes: number) => Promise<ResponseCacheFixture>;
}

/** Awaits a cache answer whether it came synchronously or as a promise. */
export async function settle<T>(value: T | Promise<T>): Promise<T> {
  return isPending(value) ? await value : value;
}

const V1 = { name: 'iris', version: 1, digest: 'a1'.repeat(32) };
const V2 = { name: 'iris', version: 2, digest: 'b2'.repeat(32) };

/** One input row; `x` varies it. */
export function row(x: number): Tensor[] {
  return [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: new Float32Array([x, 1.5, -2.25, 0]) }];
}

/** An answer holding every datatype, with the values that break naive codecs. */
export function everyDatatype(): Tensor[] {
  return [
    { name: 'fp32', datatype: 'FP32', shape: [2, 3], data: new Float32Array([0.1, -0, 3.4028234663852886e38, 1e-45, -1.5, 0]) },
    { name: 'fp64', datatype: 'FP64', shape: [3], data: new Float64Array([Math.PI, -0, Number.MIN_VALUE]) },
    { name: 'int64', datatype: 'INT64', shape: [4], data: new BigInt64Array([2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, -1n]) },
    { name: 'uint64', datatype: 'UINT64', shape: [2], data: new BigUint64Array([2n ** 64n - 1n, 2n ** 53n + 3n]) },
    { name: 'uint8', datatype: 'UINT8', shape: [3], data: new Uint8Array([0, 128, 255]) },
    { name: 'bool', datatype: 'BOOL', shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
    // FP16 as IEEE half bits: 1.0, -0, +Infinity, a NaN with a payload, the smallest subnormal.
    { name: 'fp16', datatype: 'FP16', shape: [5], data: new Uint16Array([0x3c00, 0x8000, 0x7c00, 0x7e01, 0x0001]) },
    { name: 'int8', datatype: 'INT8', shape: [2], data: new Int8Array([-128, 127]) },
    { name: 'int16', datatype: 'INT16', shape: [2], data: new Int16Array([-32768, 32767]) },
    { name: 'int32', datatype: 'INT32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) },
    { name: 'uint16', datatype: 'UINT16', shape: [1], data: new Uint16Array([65535]) },
    { name: 'uint32', datatype: 'UINT32', shape: [1], data: new Uint32Array([4294967295]) },
    {
      name: 'label',
      datatype: 'BYTES',
      shape: [7],
      data: ['', 'plain', 'héllo wörld', '日本語', '👍🏽 family 👨‍👩‍👧', 'nul\u0000inside', 'ab'],
    },
    { name: 'scalar', datatype: 'FP32', shape: [], data: new Float32Array([42]) },
    { name: 'empty', datatype: 'INT32', shape: [0, 3], data: new Int32Array(0) },
    { name: 'ünïcode name', datatype: 'BYTES', shape: [2], data: ['a', 'bc'] },
  ];
}

/** Asserts `actual` equals `expected` element for element: same typed array kind and the same bytes (-0, NaN bits). */
export function assertSameTensors(actual: readonly Tensor[] | undefined, expected: readonly Tensor[]): void {
  assert.ok(actual !== undefined, 'expected outputs, got undefined');
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a: Tensor = actual[i]!;
    const e: Tensor = expected[i]!;
    assert.equal(a.name, e.name);
    assert.equal(a.datatype, e.datatype, a.name);
    assert.deepEqual([...a.shape], [...e.shape], a.name);
    if (Array.isArray(e.data)) {
      assert.deepEqual(a.data, e.data, a.name);
    } else {
      assert.ok(!Array.isArray(a.data), a.name);
      assert.equal(a.data.constructor, e.data.constructor, a.name);
      const bytes = (d: Exclude<Tensor['data'], string[]>) => Buffer.from(d.buffer, d.byteOffset, d.byteLength);
      assert.ok(bytes(a.data).equals(bytes(e.data)), `${a.name}: elements differ`);
    }
  }
}

/** Waits until `key` is gone, moving the cache's clock when it can; fails after a bounded real wait. */
async function eventuallyGone(f: ResponseCacheFixture, key: string, stepMs: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    f.advance?.(stepMs);
    if ((await settle(f.cache.get(key))) === undefined) return;
    assert.ok(Date.now() < deadline, `${key} never expired`);
    await sleep(10);
  }
}

export function responseCacheSuite(
  label: string,
  open: () => Promise<ResponseCacheFixture>,
  options: ResponseCacheSuiteOptions = {},
): void {
  const withCache = async (run: (f: ResponseCacheFixture) => Promise<void>, opener = open): Promise<void> => {
    const f = await opener();
    try {
      await run(f);
    } finally {
      await f.cache.close();
    }
  };

  describe(`ResponseCache conformance: ${label}`, () => {
    test('a key never set is a miss, counted', () =>
      withCache(async ({ cache }) => {
        assert.equal(await settle(cache.get('nothing-here')), undefined);
        assert.equal(await settle(cache.getEntry('nothing-here')), undefined);
        const s = cache.stats();
        assert.equal(s.hits, 0);
        assert.equal(s.misses, 2);
      }));

    test('get after set answers equal outputs for every datatype', () =>
      withCache(async ({ cache }) => {
        const key = inferenceKey(V1, row(1), undefined);
        const outputs = everyDatatype();
        await settle(cache.set(key, outputs, 60_000));
        assertSameTensors(await settle(cache.get(key)), everyDatatype());
        assertSameTensors((await settle(cache.getEntry(key)))?.outputs, everyDatatype());
        const s = cache.stats();
        assert.equal(s.hits, 2);
        assert.equal(s.sets, 1);
        assert.equal(s.errors, 0);
      }));

    test('the entry is a copy: changing the outputs after set changes nothing', () =>
      withCache(async ({ cache }) => {
        const outputs: Tensor[] = [
          { name: 'p', datatype: 'FP32', shape: [2], data: new Float32Array([0.25, 0.75]) },
          { name: 'label', datatype: 'BYTES', shape: [1], data: ['yes'] },
        ];
        await settle(cache.set('k', outputs, 60_000));
        (outputs[0]!.data as Float32Array)[0] = 99;
        (outputs[1]!.data as string[])[0] = 'no';
        (outputs[0]!.shape as number[])[0] = 7;
        assertSameTensors(await settle(cache.get('k')), [
          { name: 'p', datatype: 'FP32', shape: [2], data: new Float32Array([0.25, 0.75]) },
          { name: 'label', datatype: 'BYTES', shape: [1], data: ['yes'] },
        ]);
      }));

    test('answers are frozen where JavaScript allows (array, tensors, shapes, BYTES arrays)', () =>
      withCache(async ({ cache }) => {
        await settle(cache.set('k', everyDatatype(), 60_000));
        const hit = await settle(cache.get('k'));
        assert.ok(hit !== undefined);
        assert.ok(Object.isFrozen(hit));
        for (const t of hit) {
          assert.ok(Object.isFrozen(t), t.name);
          assert.ok(Object.isFrozen(t.shape), t.name);
          if (Array.isArray(t.data)) assert.ok(Object.isFrozen(t.data), t.name);
        }
      }));

    test('a view into a larger buffer is stored as its own elements', () =>
      withCache(async ({ cache }) => {
        const batch = new Float32Array([1, 2, 3, 4, 5, 6]);
        await settle(cache.set('k', [{ name: 'y', datatype: 'FP32', shape: [2], data: batch.subarray(2, 4) }], 60_000));
        batch.fill(0);
        const hit = await settle(cache.get('k'));
        assertSameTensors(hit, [{ name: 'y', datatype: 'FP32', shape: [2], data: new Float32Array([3, 4]) }]);
        assert.equal((hit![0]!.data as Float32Array).buffer.byteLength, 8, 'the cache does not keep the batch alive');
      }));

    test('keys of different versions never collide: a new version does not answer from an old one', () =>
      withCache(async ({ cache }) => {
        const inputs = row(3);
        const old = inferenceKey(V1, inputs, undefined);
        const next = inferenceKey(V2, inputs, undefined);
        const sameNumberOtherArtifact = inferenceKey({ ...V1, digest: 'c3'.repeat(32) }, inputs, undefined);
        assert.equal(new Set([old, next, sameNumberOtherArtifact]).size, 3);
        await settle(cache.set(old, [{ name: 'y', datatype: 'FP32', shape: [1], data: new Float32Array([1]) }], 60_000));
        assert.equal(await settle(cache.get(next)), undefined);
        assert.equal(await settle(cache.get(sameNumberOtherArtifact)), undefined);
        assert.ok((await settle(cache.get(old))) !== undefined);
      }));

    test('a later set replaces the entry; delete removes it', () =>
      withCache(async ({ cache }) => {
        const one = [{ name: 'y', datatype: 'INT64', shape: [1], data: new BigInt64Array([1n]) }] satisfies Tensor[];
        const two = [{ name: 'y', datatype: 'INT64', shape: [1], data: new BigInt64Array([2n]) }] satisfies Tensor[];
        await settle(cache.set('k', one, 60_000));
        await settle(cache.set('k', two, 60_000));
        assertSameTensors(await settle(cache.get('k')), two);
        await settle(cache.delete('k'));
        assert.equal(await settle(cache.get('k')), undefined);
        await settle(cache.delete('never-set'));
      }));

    test('getEntry answers the time the entry has left, never more than its TTL', () =>
      withCache(async ({ cache }) => {
        await settle(cache.set('k', row(1), 60_000));
        const entry = await settle(cache.getEntry('k'));
        assert.ok(entry !== undefined);
        assert.ok(entry.ttlMs > 0 && entry.ttlMs <= 60_000, String(entry.ttlMs));
      }));

    test('an entry expires after its TTL; a longer-lived one stays', () =>
      withCache(async (f) => {
        await settle(f.cache.set('short', row(1), 50));
        await settle(f.cache.set('long', row(2), 600_000));
        await eventuallyGone(f, 'short', 60);
        assert.equal(await settle(f.cache.getEntry('short')), undefined);
        assertSameTensors(await settle(f.cache.get('long')), row(2));
      }));

    test('a TTL that is not a positive number stores nothing; a fraction is rounded up', () =>
      withCache(async ({ cache }) => {
        for (const ttl of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
          await settle(cache.set(`k${ttl}`, row(1), ttl));
          assert.equal(await settle(cache.get(`k${ttl}`)), undefined, `ttl ${ttl}`);
        }
        await settle(cache.set('fraction', row(1), 60_000.5));
        assertSameTensors(await settle(cache.get('fraction')), row(1));
      }));

    test('after close, get misses and set does nothing, without throwing', async () => {
      const { cache } = await open();
      await settle(cache.set('k', row(1), 60_000));
      await cache.close();
      assert.equal(await settle(cache.get('k')), undefined);
      await settle(cache.set('k2', row(1), 60_000));
      await settle(cache.delete('k'));
      await cache.close();
    });

    // Only backends with a size bound of their own (memory) run this case; Redis bounds memory by its own policy.
    const bounded = options.openBounded;
    (bounded === undefined ? () => undefined : test)(
      'the size bound evicts the least recently used entries and never holds more than the bound',
      () =>
        withCache(
          async ({ cache }) => {
            const big = (x: number): Tensor[] => [{ name: 'y', datatype: 'FP64', shape: [125], data: new Float64Array(125).fill(x) }];
            // Each entry is ~1000 data bytes plus overheads: three fit in 4000 bytes, four do not.
            await settle(cache.set('a', big(1), 60_000));
            await settle(cache.set('b', big(2), 60_000));
            await settle(cache.set('c', big(3), 60_000));
            assert.ok((await settle(cache.get('a'))) !== undefined); // a is now the most recently used
            await settle(cache.set('d', big(4), 60_000));
            assert.equal(await settle(cache.get('b')), undefined, 'b was the least recently used');
            for (const k of ['a', 'c', 'd']) assert.ok((await settle(cache.get(k))) !== undefined, k);
            const s = cache.stats();
            assert.ok((s.evictions ?? 0) >= 1);
            assert.ok((s.bytes ?? 0) <= 4000, String(s.bytes));
            assert.equal(s.entries, 3);
            // An entry larger than the whole bound is not stored, and evicts nothing.
            await settle(cache.set('huge', [{ name: 'y', datatype: 'UINT8', shape: [5000], data: new Uint8Array(5000) }], 60_000));
            assert.equal(await settle(cache.get('huge')), undefined);
            assert.equal(cache.stats().entries, 3);
          },
          () => bounded!(4000),
        ),
    );
  });
}
