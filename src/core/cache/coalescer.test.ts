import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Coalescer } from './coalescer.js';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Coalescer', () => {
  test('identical calls in flight run fn once and all get the same result', async () => {
    const c = new Coalescer<string[]>();
    const d = deferred<string[]>();
    let calls = 0;
    const fn = () => {
      calls++;
      return d.promise;
    };
    const waiters = [c.run('k', fn), c.run('k', fn), c.run('k', fn)];
    assert.equal(c.inflight, 1);
    assert.equal(waiters[0], waiters[2], 'later callers get the very same promise');
    const answer = ['shared'];
    d.resolve(answer);
    const results = await Promise.all(waiters);
    assert.equal(calls, 1);
    for (const r of results) assert.equal(r, answer);
    assert.equal(c.inflight, 0);
    assert.equal(c.runs, 1);
    assert.equal(c.joined, 2);
  });

  test('once settled the key is free: the next call runs fn again', async () => {
    const c = new Coalescer<number>();
    let calls = 0;
    const fn = async () => ++calls;
    assert.equal(await c.run('k', fn), 1);
    assert.equal(await c.run('k', fn), 2);
    assert.equal(c.inflight, 0);
  });

  test('the key is free before any waiter continues, so a waiter that calls again starts a new run', async () => {
    const c = new Coalescer<number>();
    let calls = 0;
    const fn = async () => ++calls;
    const again = await c.run('k', fn).then(() => c.run('k', fn));
    assert.equal(again, 2);
  });

  test('a failure rejects every waiter with the same error, and is not replayed afterwards', async () => {
    const c = new Coalescer<number>();
    const d = deferred<number>();
    const waiters = [c.run('k', () => d.promise), c.run('k', () => d.promise)];
    const boom = new Error('model failed');
    d.reject(boom);
    for (const w of waiters) await assert.rejects(w, (e) => e === boom);
    assert.equal(c.inflight, 0);
    assert.equal(await c.run('k', async () => 7), 7);
  });

  test('a synchronous throw from fn becomes a rejection and frees the key', async () => {
    const c = new Coalescer<number>();
    const boom = new Error('sync');
    await assert.rejects(
      c.run('k', () => {
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(c.inflight, 0);
    assert.equal(await c.run('k', async () => 1), 1);
  });

  test('different keys run independently', async () => {
    const c = new Coalescer<string>();
    const a = deferred<string>();
    const pa = c.run('a', () => a.promise);
    const pb = c.run('b', async () => 'b');
    assert.equal(c.inflight, 2);
    assert.equal(await pb, 'b');
    a.resolve('a');
    assert.equal(await pa, 'a');
  });

  test('property: N concurrent calls over a few keys run fn once per key and each caller gets its key\'s result', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 60 }),
        fc.subarray(['a', 'b', 'c', 'd']),
        async (keys, failing) => {
          const c = new Coalescer<{ key: string }>();
          const gates = new Map<string, ReturnType<typeof deferred<{ key: string }>>>();
          const calls = new Map<string, number>();
          const results = keys.map((key) =>
            c.run(key, () => {
              calls.set(key, (calls.get(key) ?? 0) + 1);
              const gate = deferred<{ key: string }>();
              gates.set(key, gate);
              return gate.promise;
            }),
          );
          const distinct = new Set(keys);
          assert.equal(c.inflight, distinct.size);
          const errors = new Map<string, Error>();
          for (const [key, gate] of gates) {
            if (failing.includes(key)) {
              const error = new Error(key);
              errors.set(key, error);
              gate.reject(error);
            } else gate.resolve({ key });
          }
          const settled = await Promise.allSettled(results);
          for (const key of distinct) assert.equal(calls.get(key), 1, `fn ran once for ${key}`);
          const shared = new Map<string, unknown>();
          settled.forEach((s, i) => {
            const key = keys[i]!;
            if (failing.includes(key)) {
              assert.equal(s.status, 'rejected');
              assert.equal((s as PromiseRejectedResult).reason, errors.get(key));
            } else {
              assert.equal(s.status, 'fulfilled');
              const value = (s as PromiseFulfilledResult<{ key: string }>).value;
              assert.equal(value.key, key);
              if (shared.has(key)) assert.equal(value, shared.get(key), 'every caller gets the same object');
              shared.set(key, value);
            }
          });
          assert.equal(c.inflight, 0);
          assert.equal(c.runs, distinct.size);
          assert.equal(c.joined, keys.length - distinct.size);
        },
      ),
      { numRuns: 300 },
    );
  });
});
