/**
 * The drift statistics against SciPy (and Evidently's formulas in numpy): test/fixtures/drift-vectors.json, made by
 * scripts/drift-vectors.py.
 *
 * Tolerances:
 * - statistics, distances, shares and bin edges: |actual - expected| <= 1e-9 · min(1, |expected|), that is 1e-9
 *   relative for values up to 1 and 1e-9 absolute above (the stricter of the two at every scale); an expected 0 must
 *   be 0, and non-finite values must match exactly;
 * - p-values: 1e-6 relative, or 1e-12 absolute when the expected p-value is below 1e-6 (where "2·(1 - Φ)" style
 *   cancellation in SciPy's own formula leaves only absolute accuracy).
 * The largest errors seen are reported as test diagnostics.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ColumnType } from '../../profile/types.js';
import { binnedShares } from './binning.js';
import { chisquare, chiSquareTest } from './chisquare.js';
import { erfc, normalCdf } from './erf.js';
import { chiSquareSf } from './gamma.js';
import { jensenShannonDistance, jensenShannonTest } from './jensenshannon.js';
import { ks2samp } from './ks.js';
import { kstwoSf } from './kstwo.js';
import { psi } from './psi.js';
import type { DriftValue } from './sample.js';
import { defaultDriftMethod } from './select.js';
import { wassersteinDistance, wassersteinNormed } from './wasserstein.js';
import { zTest } from './ztest.js';

type Json = number | string;
type Generated = { gen: string; seed: number; n: number; scale: number; shift: number; round?: number };
type Input = Json[] | Generated | { repeat: [Json, number][] };

interface Fixture {
  scipy: string;
  numpy: string;
  ks: { name: string; a: Input; b: Input; statistic: Json; pvalue: Json; method: string }[];
  kstwo: { n: number; x: number; sf: Json; branch: string }[];
  chisquare: { name: string; f_obs: Json[]; f_exp: Json[]; statistic: Json; pvalue: Json }[];
  chisquare_test: { name: string; reference: Input; current: Input; statistic: Json; pvalue: Json }[];
  wasserstein: { name: string; u: Input; v: Input; distance: Json; normed: Json }[];
  binned: {
    name: string;
    reference: Input;
    current: Input;
    type: ColumnType;
    edges: Json[] | null;
    reference_shares: Json[];
    current_shares: Json[];
    reference_filled: Json[];
    current_filled: Json[];
    psi: Json;
    jensenshannon: Json;
  }[];
  jensenshannon: { name: string; p: Json[]; q: Json[]; distance: Json }[];
  ztest: { name: string; reference: Input; current: Input; statistic: Json | null; pvalue: Json }[];
  special: {
    erfc: { x: number; erfc: Json }[];
    ndtr: { x: number; ndtr: Json }[];
    chi2_sf: { df: number; x: number; sf: Json }[];
  };
  select: { reference_size: number; unique_count: number; type: ColumnType; method: string }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../../../test/fixtures/drift-vectors.json', import.meta.url), 'utf8'),
) as Fixture;

/** A number written by the script: non-finite values are the strings "inf", "-inf", "nan". */
function number(v: Json): number {
  if (typeof v === 'number') return v;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === 'nan') return NaN;
  throw new Error(`not a number in the fixture: ${v}`);
}

/** The script's xorshift32 / Irwin-Hall generator (see scripts/drift-vectors.py), reproduced bit for bit. */
function generate(seed: number, n: number, scale: number, shift: number, round?: number): Float64Array {
  let x = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < 4; k++) {
      x = (x ^ (x << 13)) >>> 0;
      x = (x ^ (x >>> 17)) >>> 0;
      x = (x ^ (x << 5)) >>> 0;
      s += x / 4294967296;
    }
    let v = (s - 2) * scale + shift;
    if (round !== undefined) v = Math.floor(v * round + 0.5) / round;
    out[i] = v;
  }
  return out;
}

function values(input: Input): DriftValue[] {
  if (Array.isArray(input)) return input;
  if ('repeat' in input) return input.repeat.flatMap(([v, count]) => new Array<DriftValue>(count).fill(v));
  assert.equal(input.gen, 'xorshift32-irwinhall4');
  return [...generate(input.seed, input.n, input.scale, input.shift, input.round)];
}

function numbers(input: Input): number[] {
  const out = values(input);
  for (const v of out) assert.equal(typeof v, 'number');
  return out as number[];
}

/** Largest error seen per group, for the diagnostics. */
const worst = new Map<string, { error: number; where: string }>();
function record(group: string, error: number, where: string): void {
  const w = worst.get(group);
  if (w === undefined || error > w.error) worst.set(group, { error, where });
}

/**
 * Statistic tolerance: 1e-9 · max(1, |expected|), i.e. 1e-9 absolute for statistics up to 1 and relative above
 * (numpy's isclose with rtol = atol = 1e-9); exact for non-finite values. Absolute below 1 because some statistics
 * are ill-conditioned there: the Jensen-Shannon distance of nearly identical distributions is the square root of a
 * ~1e-13 divergence made of cancelling terms, where SciPy 1.10 (Debian) and 1.17 themselves differ by 7e-5
 * relative (2e-11 absolute). Almost every value still matches to the last bit (see the diagnostics).
 */
function assertStat(actual: number, expectedJson: Json, where: string, group = 'statistic'): void {
  const expected = number(expectedJson);
  if (!Number.isFinite(expected)) {
    assert.ok(Object.is(actual, expected), `${where}: ${actual} vs ${expected}`);
    return;
  }
  const error = Math.abs(actual - expected);
  const scale = Math.max(1, Math.abs(expected));
  record(`${group} (error / max(1, |expected|))`, error / scale, where);
  assert.ok(error <= 1e-9 * scale, `${where}: ${actual} vs ${expected} (error ${error})`);
}

/** p-value tolerance: 1e-6 relative, or 1e-12 absolute below 1e-6. */
function assertP(actual: number, expectedJson: Json, where: string, group = 'p-value'): void {
  const expected = number(expectedJson);
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${where}: ${actual} vs NaN`);
    return;
  }
  const error = Math.abs(actual - expected);
  if (expected !== 0) record(`${group} (relative error)`, error / expected, where);
  else record(`${group} (absolute error at p = 0)`, error, where);
  const tolerance = expected < 1e-6 ? Math.max(1e-12, 1e-6 * expected) : 1e-6 * expected;
  assert.ok(error <= tolerance, `${where}: ${actual} vs ${expected} (error ${error})`);
}

function assertArray(actual: ArrayLike<number>, expected: Json[], where: string, group: string): void {
  assert.equal(actual.length, expected.length, `${where}: length`);
  for (let i = 0; i < expected.length; i++) assertStat(actual[i]!, expected[i]!, `${where}[${i}]`, group);
}

describe(`drift statistics equal SciPy ${fixture.scipy} / numpy ${fixture.numpy}`, () => {
  describe('ks2samp = scipy.stats.ks_2samp', () => {
    for (const c of fixture.ks) {
      test(`${c.name} [${c.method}]`, () => {
        const r = ks2samp(numbers(c.a), numbers(c.b));
        assertStat(r.statistic, c.statistic, c.name, 'ks statistic');
        assertP(r.pvalue, c.pvalue, c.name, 'ks p-value');
      });
    }
  });

  test('kstwoSf = scipy.stats.kstwo.sf in every branch', () => {
    for (const c of fixture.kstwo) assertP(kstwoSf(c.n, c.x), c.sf, `kstwo(${c.n}, ${c.x}) ${c.branch}`, 'kstwo sf');
  });

  test('chisquare = scipy.stats.chisquare(f_obs, f_exp)', () => {
    for (const c of fixture.chisquare) {
      const r = chisquare(c.f_obs.map(number), c.f_exp.map(number));
      assertStat(r.statistic, c.statistic, c.name, 'chi-square statistic');
      assertP(r.pvalue, c.pvalue, c.name, 'chi-square p-value');
    }
  });

  test("chiSquareTest = Evidently's _chi_stat_test", () => {
    for (const c of fixture.chisquare_test) {
      const r = chiSquareTest(values(c.reference), values(c.current));
      assertStat(r.statistic, c.statistic, c.name, 'chi-square statistic');
      assertP(r.pvalue, c.pvalue, c.name, 'chi-square p-value');
    }
  });

  test("wassersteinDistance = scipy.stats.wasserstein_distance; wassersteinNormed = Evidently's", () => {
    for (const c of fixture.wasserstein) {
      const u = numbers(c.u);
      const v = numbers(c.v);
      assertStat(wassersteinDistance(u, v), c.distance, c.name, 'wasserstein');
      assertStat(wassersteinNormed(u, v), c.normed, c.name, 'wasserstein normed');
    }
  });

  test("binnedShares = Evidently's get_binned_data (numpy sturges edges and histogram)", () => {
    for (const c of fixture.binned) {
      const ref = values(c.reference);
      const cur = values(c.current);
      const plain = binnedShares(ref, cur, c.type, false);
      if (c.edges === null) assert.equal(plain.edges, null, c.name);
      else assertArray(plain.edges ?? [], c.edges, `${c.name} edges`, 'bin edges');
      assertArray(plain.reference, c.reference_shares, `${c.name} reference`, 'shares');
      assertArray(plain.current, c.current_shares, `${c.name} current`, 'shares');
      const filled = binnedShares(ref, cur, c.type, true);
      assertArray(filled.reference, c.reference_filled, `${c.name} reference filled`, 'shares');
      assertArray(filled.current, c.current_filled, `${c.name} current filled`, 'shares');
    }
  });

  test("psi = Evidently's _psi", () => {
    for (const c of fixture.binned) {
      assertStat(psi(values(c.reference), values(c.current), c.type), c.psi, c.name, 'psi');
    }
  });

  test('jensenShannonDistance = scipy.spatial.distance.jensenshannon', () => {
    for (const c of fixture.jensenshannon) {
      assertStat(jensenShannonDistance(c.p.map(number), c.q.map(number)), c.distance, c.name, 'jensen-shannon');
    }
  });

  test("jensenShannonTest = Evidently's _jensenshannon", () => {
    for (const c of fixture.binned) {
      const d = jensenShannonTest(values(c.reference), values(c.current), c.type);
      assertStat(d, c.jensenshannon, c.name, 'jensen-shannon');
    }
  });

  test("zTest = Evidently's _z_stat_test", () => {
    for (const c of fixture.ztest) {
      const r = zTest(values(c.reference), values(c.current));
      if (c.statistic === null) assert.equal(r.statistic, 0, c.name);
      else assertStat(r.statistic, c.statistic, c.name, 'z statistic');
      assertP(r.pvalue, c.pvalue, c.name, 'z p-value');
    }
  });

  test('erfc, normalCdf and the chi-square survival function = scipy.special', () => {
    for (const c of fixture.special.erfc) assertP(erfc(c.x), c.erfc, `erfc(${c.x})`, 'erfc');
    for (const c of fixture.special.ndtr) assertP(normalCdf(c.x), c.ndtr, `ndtr(${c.x})`, 'ndtr');
    for (const c of fixture.special.chi2_sf) {
      assertP(chiSquareSf(c.df, c.x), c.sf, `chdtrc(${c.df}, ${c.x})`, 'chi2 sf');
    }
  });

  test("defaultDriftMethod = Evidently's _get_default_stattest", () => {
    for (const c of fixture.select) {
      assert.equal(defaultDriftMethod(c.reference_size, c.unique_count, c.type), c.method, JSON.stringify(c));
    }
  });

  test('largest errors seen', (t) => {
    for (const [group, w] of [...worst.entries()].sort()) {
      t.diagnostic(`${group}: ${w.error.toExponential(2)} (${w.where})`);
    }
  });
});
