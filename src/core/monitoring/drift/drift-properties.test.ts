import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { throwsCode } from '../../../../test/helpers/assert-code.js';
import { chisquare, chiSquareTest } from './chisquare.js';
import { erf, erfc, normalCdf } from './erf.js';
import { gammaP, gammaQ } from './gamma.js';
import { jensenShannonDistance, jensenShannonTest } from './jensenshannon.js';
import { ks2samp } from './ks.js';
import { kstwoSf } from './kstwo.js';
import { pairwiseSum } from './pairwise-sum.js';
import { psi } from './psi.js';
import { wassersteinDistance, wassersteinNormed } from './wasserstein.js';
import { zTest } from './ztest.js';

const real = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
/** Samples with many ties: small whole numbers. */
const tied = fc.integer({ min: -5, max: 5 });
const sample = fc.oneof(
  fc.array(real, { minLength: 1, maxLength: 60 }),
  fc.array(tied, { minLength: 1, maxLength: 60 }),
);
const tiedSample = fc.array(tied, { minLength: 1, maxLength: 40 });
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const category = fc.constantFrom('a', 'b', 'c', 'd');

describe('ks2samp invariants', () => {
  test('statistic and p-value in [0, 1], symmetric in its arguments', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const r = ks2samp(a, b);
        assert.ok(r.statistic >= 0 && r.statistic <= 1, `statistic ${r.statistic}`);
        assert.ok(r.pvalue >= 0 && r.pvalue <= 1, `p ${r.pvalue}`);
        assert.deepEqual(ks2samp(b, a), r);
      }),
      { numRuns: 300 },
    );
  });

  test('identical samples: statistic 0, p-value 1; order of the input does not matter', () => {
    fc.assert(
      fc.property(sample, (a) => {
        assert.deepEqual(ks2samp(a, [...a].reverse()), { statistic: 0, pvalue: 1 });
      }),
    );
  });

  test('disjoint samples have statistic 1', () => {
    fc.assert(
      fc.property(tiedSample, tiedSample, (a, b) => {
        const r = ks2samp(a, b.map((v) => v + 100));
        assert.equal(r.statistic, 1);
      }),
    );
  });

  test('asymptotic branch (over 10000 values) keeps the invariants', () => {
    const a = Array.from({ length: 10001 }, (_, i) => Math.sin(i) * 3);
    const b = Array.from({ length: 2000 }, (_, i) => Math.cos(i * 1.7) * 3 + 0.05);
    const r = ks2samp(a, b);
    assert.ok(r.statistic > 0 && r.statistic < 1);
    assert.ok(r.pvalue >= 0 && r.pvalue <= 1);
    assert.deepEqual(ks2samp(b, a), r);
  });

  test('5000 against 5000 values (exact, sorted once)', () => {
    const a = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.37));
    const b = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.41) + 0.01);
    const r = ks2samp(a, b);
    assert.ok(r.pvalue >= 0 && r.pvalue <= 1);
    assert.equal(a[1], Math.sin(0.37), 'the input is not modified');
  });

  test('refuses empty and non-finite samples', () => {
    throwsCode(() => ks2samp([], [1]), 'INVALID_REQUEST', /a must not be empty/);
    throwsCode(() => ks2samp([1], [NaN]), 'INVALID_REQUEST', /b\[0\]/);
    throwsCode(() => ks2samp([1, Infinity], [2]), 'INVALID_REQUEST', /a\[1\]/);
  });

  test('kstwoSf is a survival function: 1 at 0, 0 at 1, non-increasing in x', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), unit, unit, (n, x, y) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        const plo = kstwoSf(n, lo);
        const phi = kstwoSf(n, hi);
        assert.ok(plo >= 0 && plo <= 1 && phi >= 0 && phi <= 1);
        assert.ok(phi <= plo + 1e-12, `sf(${n}, ${hi}) = ${phi} > sf(${n}, ${lo}) = ${plo}`);
      }),
      { numRuns: 200 },
    );
    assert.equal(kstwoSf(10, 0), 1);
    assert.equal(kstwoSf(10, 1), 0);
    assert.ok(Number.isNaN(kstwoSf(2.5, 0.3)));
  });
});

describe('Wasserstein invariants', () => {
  test('non-negative, symmetric, 0 on identical samples', () => {
    fc.assert(
      fc.property(sample, sample, (u, v) => {
        const d = wassersteinDistance(u, v);
        assert.ok(d >= 0);
        assert.equal(wassersteinDistance(v, u), d);
        assert.equal(wassersteinDistance(u, [...u].reverse()), 0);
      }),
      { numRuns: 300 },
    );
  });

  test('translation: shifting both samples changes nothing; shifting one by c gives |c|', () => {
    const ints = fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 });
    fc.assert(
      fc.property(ints, ints, fc.integer({ min: -10000, max: 10000 }), (u, v, c) => {
        // Whole numbers keep every sum and difference exact, so equivariance holds to the bit.
        assert.equal(wassersteinDistance(u.map((x) => x + c), v.map((x) => x + c)), wassersteinDistance(u, v));
        const shifted = wassersteinDistance(u, u.map((x) => x + c));
        assert.ok(Math.abs(shifted - Math.abs(c)) <= 1e-12 * Math.max(1, Math.abs(c)), `${shifted} vs ${Math.abs(c)}`);
      }),
    );
  });

  test('normed distance divides by max(population std, 0.001)', () => {
    assert.equal(wassersteinNormed([3, 3, 3], [3.5]), 0.5 / 0.001);
    // std([0, 2]) = 1 (ddof = 0): the normed distance equals the distance.
    assert.equal(wassersteinNormed([0, 2], [1, 3]), wassersteinDistance([0, 2], [1, 3]));
  });
});

describe('Jensen-Shannon invariants', () => {
  // Counts, as the binned shares are. (With subnormal weights the divergence can round below zero and SciPy's
  // square root gives NaN; this does the same.)
  const weights = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 30 });
  test('symmetric, 0 on identical input, at most √ln 2', () => {
    fc.assert(
      fc.property(weights, weights, (p0, q0) => {
        const n = Math.min(p0.length, q0.length);
        const p = p0.slice(0, n);
        const q = q0.slice(0, n);
        if (!p.some((x) => x > 0) || !q.some((x) => x > 0)) return;
        const d = jensenShannonDistance(p, q);
        assert.equal(jensenShannonDistance(q, p), d);
        assert.ok(d >= 0 && d <= Math.sqrt(Math.LN2) + 1e-12, `${d}`);
        assert.equal(jensenShannonDistance(p, p), 0);
        assert.equal(jensenShannonDistance(p, p.map((x) => x * 4)), 0, 'scale does not matter');
      }),
      { numRuns: 300 },
    );
  });

  test("Evidently's binned version: 0 on identical samples, numerical and categorical", () => {
    fc.assert(
      fc.property(fc.array(real, { minLength: 1, maxLength: 80 }), fc.array(category, { minLength: 1 }), (x, c) => {
        assert.equal(jensenShannonTest(x, [...x], 'numerical'), 0);
        assert.equal(jensenShannonTest(c, [...c].reverse(), 'categorical'), 0);
      }),
    );
  });

  test('refuses vectors of different lengths', () => {
    throwsCode(() => jensenShannonDistance([1, 2], [1]), 'INVALID_REQUEST', /same length/);
  });
});

describe('PSI, chi-square and Z test invariants', () => {
  const cats = fc.array(category, { minLength: 1, maxLength: 80 });
  test('PSI is non-negative and 0 on identical samples', () => {
    fc.assert(
      fc.property(cats, cats, fc.array(real, { minLength: 1, maxLength: 80 }), (a, b, x) => {
        assert.ok(psi(a, b, 'categorical') >= 0);
        assert.equal(psi(a, [...a], 'categorical'), 0);
        assert.equal(psi(x, [...x], 'numerical'), 0);
      }),
    );
  });

  test('chi-square p-value in [0, 1]; identical samples give p = 1', () => {
    fc.assert(
      fc.property(cats, cats, (a, b) => {
        const r = chiSquareTest(a, b);
        // One category: 0 degrees of freedom, so p is NaN for a zero statistic and 0 for the rounding residue of
        // count · (n_current / n_reference), exactly as in SciPy.
        if (new Set([...a, ...b]).size === 1) assert.ok(Number.isNaN(r.pvalue) || r.pvalue === 0);
        else assert.ok(r.pvalue >= 0 && r.pvalue <= 1, `${r.pvalue}`);
        const same = chiSquareTest(a, [...a]);
        assert.equal(same.statistic, 0);
        if (new Set(a).size > 1) assert.equal(same.pvalue, 1);
      }),
    );
  });

  test('chisquare refuses mismatched lengths and totals', () => {
    throwsCode(() => chisquare([1, 2], [3]), 'INVALID_REQUEST', /same length/);
    throwsCode(() => chisquare([1, 2], [1, 3]), 'INVALID_REQUEST', /same total/);
    throwsCode(() => chisquare([], []), 'INVALID_REQUEST');
  });

  test('Z test: p in [0, 1], swapping the samples negates z and keeps p', () => {
    const bin = fc.array(fc.constantFrom('yes', 'no'), { minLength: 1, maxLength: 80 });
    fc.assert(
      fc.property(bin, bin, (a, b) => {
        const r = zTest(a, b);
        assert.ok(r.pvalue >= 0 && r.pvalue <= 1, `${r.pvalue}`);
        const s = zTest(b, a);
        assert.equal(s.pvalue, r.pvalue);
        assert.equal(s.statistic, r.statistic === 0 ? 0 : -r.statistic);
      }),
    );
    assert.deepEqual(zTest(['a', 'a'], ['a']), { statistic: 0, pvalue: 1 });
  });
});

describe('special functions', () => {
  test('erf + erfc = 1, Φ(x) + Φ(-x) = 1, P + Q = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        assert.ok(Math.abs(erf(x) + erfc(x) - 1) <= 4e-16, `${x}`);
        assert.ok(Math.abs(normalCdf(x) + normalCdf(-x) - 1) <= 4e-16, `${x}`);
      }),
    );
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 2000, noNaN: true }),
        (a, x) => {
          assert.ok(Math.abs(gammaP(a, x) + gammaQ(a, x) - 1) <= 1e-12, `${a}, ${x}`);
        },
      ),
    );
    assert.equal(erf(Infinity), 1);
    assert.equal(erfc(-Infinity), 2);
  });

  test('pairwiseSum agrees with a plain sum of whole numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 600 }), (xs) => {
        assert.equal(pairwiseSum(xs), xs.reduce((s, x) => s + x, 0));
      }),
    );
  });
});
