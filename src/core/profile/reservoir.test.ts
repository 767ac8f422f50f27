import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MooringError } from '../errors.js';
import { ReservoirSampler, reservoirSample } from './reservoir.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('reservoirSample', () => {
  test('keeps everything, in order, when there are at most `size` values', () => {
    assert.deepEqual(reservoirSample([3, 1, 2], 3), [3, 1, 2]);
    assert.deepEqual(reservoirSample([3, 1, 2], 10), [3, 1, 2]);
    assert.deepEqual(reservoirSample([], 10), []);
  });

  test('keeps `size` distinct values in row order', () => {
    const s = reservoirSample(range(10_000), 100, 5);
    assert.equal(s.length, 100);
    for (let i = 1; i < s.length; i++) assert.ok(s[i]! > s[i - 1]!, 'ascending positions mean row order');
  });

  test('the same seed gives the same sample; another seed another', () => {
    const values = Float64Array.from(range(50_000), (i) => i * 0.5);
    assert.deepEqual(reservoirSample(values, 200, 7), reservoirSample(values, 200, 7));
    assert.notDeepEqual(reservoirSample(values, 200, 7), reservoirSample(values, 200, 8));
  });

  test('size 0 keeps nothing', () => {
    assert.deepEqual(reservoirSample(range(100), 0), []);
  });

  test('every position is about equally likely to be kept', () => {
    // 2000 seeded runs of 10 from 100: each position is expected 200 times (binomial sd about 13.4).
    const n = 100;
    const k = 10;
    const runs = 2000;
    const hits = new Array<number>(n).fill(0);
    for (let seed = 1; seed <= runs; seed++) for (const v of reservoirSample(range(n), k, seed)) hits[v]!++;
    const expected = (runs * k) / n;
    let chi2 = 0;
    for (const h of hits) chi2 += (h - expected) ** 2 / expected;
    // 99 degrees of freedom: the 99.99th percentile is about 157.
    assert.ok(chi2 < 157, `chi-square ${chi2.toFixed(1)} over 99 degrees of freedom`);
    // Early, middle and late positions alike (Algorithm L's skips must not favour either end).
    const third = (from: number, to: number) => hits.slice(from, to).reduce((s, h) => s + h, 0) / (to - from);
    for (const mean of [third(0, 33), third(33, 66), third(66, 100)]) assert.ok(Math.abs(mean - expected) < 8, `mean hits ${mean}`);
  });
});

describe('ReservoirSampler', () => {
  test('one at a time and in batches keep the same items', () => {
    const one = new ReservoirSampler<number>(25, 3);
    for (let i = 0; i < 5000; i++) one.add(i);
    const batched = new ReservoirSampler<number>(25, 3);
    batched.addMany(1234, (i) => i);
    batched.addMany(5000 - 1234, (i) => i);
    assert.deepEqual(batched.sample(), one.sample());
    assert.equal(one.count, 5000);
    assert.equal(batched.count, 5000);
  });

  test('addMany asks only for the items it keeps', () => {
    const sampler = new ReservoirSampler<number>(10, 1);
    let calls = 0;
    sampler.addMany(1_000_000, (i) => {
      calls++;
      return i;
    });
    assert.equal(sampler.sample().length, 10);
    assert.ok(calls < 500, `${calls} items read to sample 10 of a million`);
  });

  test('refuses a capacity that is not a whole number >= 0', () => {
    for (const c of [-1, 1.5, NaN]) {
      assert.throws(() => new ReservoirSampler(c), (e: unknown) => e instanceof MooringError && e.code === 'INVALID_REQUEST');
    }
  });
});
