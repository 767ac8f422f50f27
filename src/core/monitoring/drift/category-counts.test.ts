import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { throwsCode } from '../../../../test/helpers/assert-code.js';
import { categoricalDriftTest, distinctCategories } from './category-counts.js';
import type { CategoricalDriftMethod, CategoryCounts } from './category-counts.js';
import { driftTest } from './select.js';

const METHODS: readonly CategoricalDriftMethod[] = ['chisquare', 'ztest', 'jensenshannon', 'psi'];

/** The sample a set of counts describes, `other` as one more value. */
function expand(c: CategoryCounts, otherValue = '\u0000other'): string[] {
  const out: string[] = [];
  for (const [k, n] of c.counts) for (let i = 0; i < n; i++) out.push(k);
  for (let i = 0; i < c.other; i++) out.push(otherValue);
  return out;
}

function counts(entries: Record<string, number>, other = 0): CategoryCounts {
  return { counts: new Map(Object.entries(entries)), other };
}

function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  if (Number.isNaN(a)) return Number.isNaN(b);
  if (!Number.isFinite(a)) return a === b;
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
}

describe('categoricalDriftTest', () => {
  it('gives what driftTest gives on the expanded samples', () => {
    const cases: [CategoryCounts, CategoryCounts][] = [
      [counts({ a: 50, b: 30, c: 20 }), counts({ a: 40, b: 35, c: 25 })],
      [counts({ a: 50, b: 30, c: 20 }), counts({ a: 5, b: 3, c: 90, d: 2 })],
      [counts({ yes: 700, no: 300 }), counts({ yes: 80, no: 20 })],
      [counts({ x: 10 }), counts({ x: 4 })],
      [counts({ x: 10 }), counts({ y: 4 })],
      [counts({ a: 5, b: 5 }, 3), counts({ a: 1, b: 2 }, 1)],
    ];
    for (const [ref, cur] of cases) {
      for (const method of METHODS) {
        const a = categoricalDriftTest(method, ref, cur);
        // `other` sorts after every category here, as in the counts version (U+FFFF is beyond the test's letters).
        const b = driftTest(method, expand(ref, '\uffff'), expand(cur, '\uffff'), 'categorical');
        assert.ok(close(a.statistic, b.statistic), `${method} statistic ${a.statistic} vs ${b.statistic}`);
        assert.ok(close(a.p_value, b.p_value), `${method} p ${a.p_value} vs ${b.p_value}`);
        assert.equal(a.drift, b.drift, method);
        assert.equal(a.threshold, b.threshold);
      }
    }
  });

  it('agrees with driftTest on random counts (property)', () => {
    const sample = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 0, max: 40 }), { minKeys: 1 });
    fc.assert(
      fc.property(sample, sample, fc.constantFrom(...METHODS), (r, c, method) => {
        const ref = counts(r);
        const cur = counts(c);
        if (expand(ref).length === 0 || expand(cur).length === 0) return;
        const a = categoricalDriftTest(method, ref, cur);
        const b = driftTest(method, expand(ref), expand(cur), 'categorical');
        assert.ok(close(a.statistic, b.statistic), `${method} ${a.statistic} vs ${b.statistic}`);
        assert.ok(close(a.p_value, b.p_value));
        assert.equal(a.drift, b.drift);
      }),
      { numRuns: 300 },
    );
  });

  it('flags a category the reference never had (chi-square: infinite statistic, p = 0)', () => {
    const r = categoricalDriftTest('chisquare', counts({ a: 10, b: 10 }), counts({ a: 5, b: 5, c: 1 }));
    assert.equal(r.statistic, Infinity);
    assert.equal(r.p_value, 0);
    assert.equal(r.drift, true);
  });

  it('refuses empty samples and bad counts', () => {
    throwsCode(() => categoricalDriftTest('chisquare', counts({}), counts({ a: 1 })), 'INVALID_REQUEST', /reference/);
    throwsCode(() => categoricalDriftTest('psi', counts({ a: 1 }), counts({ a: 0 })), 'INVALID_REQUEST', /current/);
    throwsCode(() => categoricalDriftTest('psi', counts({ a: 1.5 }), counts({ a: 1 })), 'INVALID_REQUEST');
    throwsCode(() => categoricalDriftTest('psi', counts({ a: 1 }), counts({ a: 1 }), NaN), 'INVALID_REQUEST');
  });

  it('counts distinct categories over both samples, other as one', () => {
    assert.equal(distinctCategories(counts({ a: 1, b: 2 }), counts({ b: 1, c: 1 })), 3);
    assert.equal(distinctCategories(counts({ a: 1, b: 0 }), counts({}, 4)), 2);
  });
});
