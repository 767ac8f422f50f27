import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { MooringError } from '../errors.js';
import { histogramBinEdges, histogramCounts, histogramCountsSorted, sturgesBinEdges } from './histogram.js';

interface Vector {
  name: string;
  values: number[];
  edges: number[];
  counts: number[];
  probe: number[];
  probeCounts: number[];
}
const { vectors } = JSON.parse(readFileSync(new URL('../../../test/fixtures/profile-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.abs(expected), `${what}: ${actual} != numpy ${expected}`);
}

const invalid = (e: unknown) => e instanceof MooringError && e.code === 'INVALID_REQUEST';

describe('histogram edges and counts against numpy', () => {
  for (const v of vectors) {
    test(`"${v.name}" (n=${v.values.length})`, () => {
      const edges = histogramBinEdges(v.values);
      assert.equal(edges.length, v.edges.length, 'number of edges');
      edges.forEach((e, i) => assertClose(e, v.edges[i]!, `edge ${i}`));
      // The counts are computed against numpy's own edges, so a last-bit difference in an edge cannot hide here.
      assert.deepEqual(histogramCounts(v.values, v.edges), v.counts);
      assert.deepEqual(histogramCountsSorted(Float64Array.from(v.values).sort(), v.edges), v.counts);
      assert.deepEqual(histogramCounts(v.probe, v.edges), v.probeCounts, 'probe values, some outside the edges');
      assert.deepEqual(histogramCountsSorted(Float64Array.from(v.probe).sort(), v.edges), v.probeCounts);
    });
  }
});

describe('sturgesBinEdges', () => {
  test('ceil(log2(n)) + 1 bins over [min, max]', () => {
    assert.deepEqual(sturgesBinEdges(0, 4, 8), [0, 1, 2, 3, 4]);
    assert.equal(sturgesBinEdges(0, 1, 1000).length - 1, Math.ceil(Math.log2(1000)) + 1);
  });

  test('numpy’s special cases: no values, one value, a constant', () => {
    assert.deepEqual(sturgesBinEdges(Infinity, -Infinity, 0), [0, 1]);
    assert.deepEqual(histogramBinEdges([]), [0, 1]);
    assert.deepEqual(histogramBinEdges([3]), [2.5, 3.5]);
    assert.deepEqual(histogramBinEdges([3, 3, 3]), [2.5, 3.5]);
  });

  test('a constant too large for ±0.5 still gets a real bin (numpy raises)', () => {
    const [lo, hi] = sturgesBinEdges(1e20, 1e20, 4) as [number, number];
    assert.ok(lo < 1e20 && hi > 1e20);
    assert.deepEqual(histogramCounts([1e20, 1e20], [lo, hi]), [2]);
  });

  test('refuses a range it cannot bin', () => {
    assert.throws(() => sturgesBinEdges(0, Infinity, 3), invalid);
    assert.throws(() => sturgesBinEdges(2, 1, 3), invalid);
    assert.throws(() => sturgesBinEdges(-1.7e308, 1.7e308, 3), invalid);
  });
});

describe('histogramCounts', () => {
  test('bins are half-open, the last one closed; outside values and NaN are not counted', () => {
    const edges = [0, 1, 2];
    assert.deepEqual(histogramCounts([0, 0.5, 1, 1.5, 2, -0.1, 2.1, NaN], edges), [2, 3]);
    assert.deepEqual(histogramCountsSorted([-0.1, 0, 0.5, 1, 1.5, 2, 2.1, NaN], edges), [2, 3]);
  });

  test('repeated edges give empty bins, as numpy', () => {
    assert.deepEqual(histogramCounts([0, 1, 1, 2], [0, 1, 1, 2]), [1, 0, 3]);
    assert.deepEqual(histogramCountsSorted([0, 1, 1, 2], [0, 1, 1, 2]), [1, 0, 3]);
  });

  test('refuses bad edges', () => {
    assert.throws(() => histogramCounts([1], [0]), invalid);
    assert.throws(() => histogramCounts([1], [1, 0]), invalid);
    assert.throws(() => histogramCounts([1], [0, NaN]), invalid);
    assert.throws(() => histogramCountsSorted([1], [0, Infinity]), invalid);
  });

  test('the sorted walk and the search agree, and every value in range is counted once', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        const edges = histogramBinEdges(values);
        const a = histogramCounts(values, edges);
        const b = histogramCountsSorted(Float64Array.from(values).sort(), edges);
        assert.deepEqual(a, b);
        assert.equal(
          a.reduce((s, c) => s + c, 0),
          values.length,
        );
      }),
    );
  });
});
