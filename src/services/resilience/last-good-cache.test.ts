import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inferenceKey } from '../../core/cache/inference-key.js';
import type { Tensor } from '../../core/inference/tensor.js';
import { MemoryResponseCache } from '../../storage/memory/memory-response-cache.js';
import { LastGoodCache } from './last-good-cache.js';

const MB = 1024 * 1024;
const HOUR = 3_600_000;

/** The real memory response cache on a clock moved by hand (as test/conformance/memory-response-cache.test.ts builds it). */
function open(): { lastGood: LastGoodCache; cache: MemoryResponseCache; advance: (ms: number) => void } {
  let now = Date.UTC(2024, 0, 1); // never 0: lru-cache reads a start of 0 as "no TTL"
  const cache = new MemoryResponseCache({ maxBytes: 16 * MB, clock: () => now });
  return { lastGood: new LastGoodCache(cache), cache, advance: (ms) => void (now += ms) };
}

function amount(x: number): Tensor {
  return { name: 'amount', datatype: 'FP32', shape: [1, 1], data: new Float32Array([x]) };
}

function country(c: string): Tensor {
  return { name: 'country', datatype: 'BYTES', shape: [1], data: [c] };
}

function answer(p: number): Tensor[] {
  return [
    { name: 'probability', datatype: 'FP32', shape: [1, 1], data: new Float32Array([p]) },
    { name: 'label', datatype: 'BOOL', shape: [1, 1], data: new Uint8Array([p > 0.5 ? 1 : 0]) },
  ];
}

/** The tensors as plain comparable values (the cache hands back frozen copies). */
function plain(ts: readonly Tensor[] | undefined): unknown {
  return ts?.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape], data: Array.from(t.data as ArrayLike<unknown>) }));
}

describe('LastGoodCache', () => {
  test('keep then find gives the outputs kept; nothing is found before', async () => {
    const { lastGood } = open();
    assert.equal(await lastGood.find('churn', [amount(12.5)], undefined), undefined);
    lastGood.keep('churn', [amount(12.5)], undefined, answer(0.75), HOUR);
    const found = await lastGood.find('churn', [amount(12.5)], undefined);
    assert.deepEqual(plain(found), [
      { name: 'probability', datatype: 'FP32', shape: [1, 1], data: [0.75] },
      { name: 'label', datatype: 'BOOL', shape: [1, 1], data: [1] },
    ]);
    assert.equal(await lastGood.find('churn', [amount(12.75)], undefined), undefined, 'another input value');
  });

  test('a later keep for the same input replaces the answer', async () => {
    const { lastGood } = open();
    lastGood.keep('churn', [amount(1)], undefined, answer(0.25), HOUR);
    lastGood.keep('churn', [amount(1)], undefined, answer(0.5), HOUR);
    assert.deepEqual(plain(await lastGood.find('churn', [amount(1)], undefined)), plain(answer(0.5)));
  });

  test('the key does not depend on the order of the inputs', async () => {
    const { lastGood } = open();
    lastGood.keep('churn', [country('FR'), amount(3)], undefined, answer(0.9), HOUR);
    assert.deepEqual(plain(await lastGood.find('churn', [amount(3), country('FR')], undefined)), plain(answer(0.9)));
    assert.deepEqual(plain(await lastGood.find('churn', [country('FR'), amount(3)], undefined)), plain(answer(0.9)));
    // The same names with other values are another input.
    assert.equal(await lastGood.find('churn', [amount(3), country('DE')], undefined), undefined);
    // The caller's array is not reordered.
    const inputs = [country('FR'), amount(3)];
    lastGood.keep('churn', inputs, undefined, answer(0.9), HOUR);
    assert.deepEqual(inputs.map((t) => t.name), ['country', 'amount']);
  });

  test('different wanted outputs are different entries', async () => {
    const { lastGood } = open();
    lastGood.keep('churn', [amount(1)], ['probability'], answer(0.3).slice(0, 1), HOUR);
    assert.equal(await lastGood.find('churn', [amount(1)], undefined), undefined);
    assert.equal(await lastGood.find('churn', [amount(1)], ['label']), undefined);
    assert.equal(await lastGood.find('churn', [amount(1)], ['probability', 'label']), undefined);
    assert.deepEqual(plain(await lastGood.find('churn', [amount(1)], ['probability'])), plain(answer(0.3).slice(0, 1)));
    lastGood.keep('churn', [amount(1)], undefined, answer(0.6), HOUR);
    assert.deepEqual(plain(await lastGood.find('churn', [amount(1)], undefined)), plain(answer(0.6)));
    assert.equal((await lastGood.find('churn', [amount(1)], ['probability']))?.[0]?.data[0], Math.fround(0.3), 'the first entry stays');
  });

  test('entries of two models do not mix, nor with a version’s own response-cache entries', async () => {
    const { lastGood, cache } = open();
    lastGood.keep('churn', [amount(7)], undefined, answer(0.8), HOUR);
    assert.equal(await lastGood.find('fraud', [amount(7)], undefined), undefined);
    lastGood.keep('fraud', [amount(7)], undefined, answer(0.1), HOUR);
    assert.equal((await lastGood.find('churn', [amount(7)], undefined))?.[0]?.data[0], Math.fround(0.8));
    assert.equal((await lastGood.find('fraud', [amount(7)], undefined))?.[0]?.data[0], Math.fround(0.1));
    // A version's response-cache entry for the same input is not a last good answer.
    cache.set(inferenceKey({ name: 'iris', version: 1, digest: 'ab'.repeat(32) }, [amount(7)], undefined), answer(0.4), HOUR);
    assert.equal(await lastGood.find('iris', [amount(7)], undefined), undefined);
  });

  test('an answer is kept for its TTL and no longer', async () => {
    const { lastGood, advance } = open();
    lastGood.keep('churn', [amount(2)], undefined, answer(0.7), 10_000);
    advance(9_999);
    assert.notEqual(await lastGood.find('churn', [amount(2)], undefined), undefined);
    // (Which side of the exact TTL instant an entry is on is the backend's business: the memory cache still answers it.)
    advance(2);
    assert.equal(await lastGood.find('churn', [amount(2)], undefined), undefined);
  });
});
