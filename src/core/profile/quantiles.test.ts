import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MooringError } from '../errors.js';
import { PROFILE_QUANTILE_LEVELS, quantileSorted, quantilesSorted } from './quantiles.js';

interface Vector {
  name: string;
  values: number[];
  quantiles: { q: number; value: number }[];
}
const { vectors } = JSON.parse(readFileSync(new URL('../../../test/fixtures/profile-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

/** |actual - expected| <= 1e-12 * |expected| (so 0 must be exactly 0). */
function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.abs(expected), `${what}: ${actual} != numpy ${expected}`);
}

describe('quantileSorted', () => {
  for (const v of vectors) {
    test(`equals numpy.quantile on "${v.name}" (n=${v.values.length})`, () => {
      const sorted = Float64Array.from(v.values).sort();
      for (const { q, value } of v.quantiles) assertClose(quantileSorted(sorted, q), value, `q=${q}`);
    });
  }

  test('interpolates linearly between neighbours (type 7)', () => {
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantileSorted([0, 10], 0.25), 2.5);
    assert.equal(quantileSorted([0, 10], 0), 0);
    assert.equal(quantileSorted([0, 10], 1), 10);
    assert.equal(quantileSorted([7], 0.3), 7);
  });

  test('stays finite when the neighbours are far apart', () => {
    assert.equal(quantileSorted([-1.5e308, 1.5e308], 0.5), 0);
  });

  test('refuses an empty array and a level outside [0, 1]', () => {
    for (const [values, q] of [
      [[], 0.5],
      [[1], -0.1],
      [[1], 1.5],
      [[1], NaN],
    ] as const) {
      assert.throws(() => quantileSorted(values, q), (e: unknown) => e instanceof MooringError && e.code === 'INVALID_REQUEST');
    }
  });

  test('quantilesSorted keeps the order of the levels', () => {
    const sorted = [1, 2, 3, 4, 5];
    assert.deepEqual(quantilesSorted(sorted, [0.75, 0.25]), [4, 2]);
    assert.equal(PROFILE_QUANTILE_LEVELS.length, 7);
  });
});
