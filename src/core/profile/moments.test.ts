import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { moments } from './moments.js';

interface Vector {
  name: string;
  values: number[];
  mean: number;
  std: number;
}
const { vectors } = JSON.parse(readFileSync(new URL('../../../test/fixtures/profile-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.abs(expected), `${what}: ${actual} != numpy ${expected}`);
}

describe('moments', () => {
  for (const v of vectors) {
    test(`equals numpy.mean and numpy.std(ddof=1) on "${v.name}" (n=${v.values.length})`, () => {
      const m = moments(v.values);
      assertClose(m.mean, v.mean, 'mean');
      assertClose(m.std, v.std, 'std');
      const reversed = moments(Float64Array.from(v.values).reverse());
      assertClose(reversed.mean, v.mean, 'mean, reversed order');
      assertClose(reversed.std, v.std, 'std, reversed order');
    });
  }

  test('no values: 0 and 0; one value: std 0', () => {
    assert.deepEqual(moments([]), { mean: 0, std: 0 });
    assert.deepEqual(moments([4.5]), { mean: 4.5, std: 0 });
  });

  test('stable where the one-pass formula cancels: a large offset and a tiny spread', () => {
    const m = moments([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    assert.equal(m.mean, 1e9 + 10);
    assert.equal(m.std, Math.sqrt(30));
  });

  test('stays finite when the sums would overflow', () => {
    const m = moments([1.5e308, 1.5e308, -1.5e308, -1.5e308]);
    assert.equal(m.mean, 0);
    assert.ok(Number.isFinite(m.std));
    assert.ok(Math.abs(m.std / (1.5e308 * Math.sqrt(4 / 3)) - 1) < 1e-15);
    assert.equal(moments([1.7e308, 1.7e308]).mean, 1.7e308);
  });
});
