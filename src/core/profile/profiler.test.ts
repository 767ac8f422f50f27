import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MooringError } from '../errors.js';
import { mulberry32, normal } from '../random.js';
import { histogramBinEdges } from './histogram.js';
import { moments } from './moments.js';
import { PROFILE_DEFAULTS, profileColumn, profileTable } from './profiler.js';
import { PROFILE_QUANTILE_LEVELS, quantileSorted } from './quantiles.js';
import type { CellValue, Column, Table } from './table.js';
import type { CategoricalProfile, NumericalProfile } from './types.js';

const col = (name: string, kind: Column['kind'], values: CellValue[]): Column => ({ name, kind, values });
const numerical = (c: Column, o = {}) => profileColumn(c, o) as NumericalProfile;
const categorical = (c: Column, o = {}) => profileColumn(c, o) as CategoricalProfile;
const invalid = (text: RegExp) => (e: unknown) => e instanceof MooringError && e.code === 'INVALID_REQUEST' && text.test(e.message);

describe('profileColumn: numerical', () => {
  test('missing and non-finite values are counted and left out of every statistic', () => {
    const p = numerical(col('x', 'number', [3, null, 1, NaN, 2, Infinity, 2, -Infinity, null, 5]));
    assert.equal(p.type, 'numerical');
    assert.equal(p.count, 8);
    assert.equal(p.missing, 2);
    assert.equal(p.missingRate, 0.2);
    assert.equal(p.nonFinite, 3);
    assert.equal(p.min, 1);
    assert.equal(p.max, 5);
    assert.equal(p.mean, 2.6);
    assert.equal(p.std, moments([3, 1, 2, 2, 5]).std);
    assert.deepEqual(
      p.quantiles.map((q) => q.q),
      PROFILE_QUANTILE_LEVELS,
    );
    assert.equal(p.quantiles.find((q) => q.q === 0.5)!.value, 2);
    assert.deepEqual(p.histogram.edges, histogramBinEdges([3, 1, 2, 2, 5]));
    assert.equal(
      p.histogram.counts.reduce((s, c) => s + c, 0),
      5,
    );
    assert.equal(p.uniqueCount, 4);
    assert.equal(p.integer, true);
    assert.deepEqual(p.sample, [3, 1, 2, 2, 5], 'every finite value, in row order');
  });

  test('statistics of a larger column agree with the building blocks', () => {
    const random = mulberry32(11);
    const values = Array.from({ length: 20_000 }, () => 10 + 3 * normal(random));
    const p = numerical(col('x', 'number', values));
    const sorted = Float64Array.from(values).sort();
    assert.equal(p.min, sorted[0]);
    assert.equal(p.max, sorted[sorted.length - 1]);
    assert.deepEqual({ mean: p.mean, std: p.std }, moments(values));
    for (const { q, value } of p.quantiles) assert.equal(value, quantileSorted(sorted, q));
    assert.equal(p.histogram.edges.length - 1, Math.ceil(Math.log2(20_000)) + 1);
    assert.equal(p.uniqueCount, new Set(values).size);
    assert.equal(p.integer, false);
  });

  test('keeps a seeded reservoir sample of sampleSize values, in row order', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => i);
    const p = numerical(col('x', 'number', values), { sampleSize: 100, seed: 9 });
    assert.equal(p.sample.length, 100);
    for (let i = 1; i < p.sample.length; i++) assert.ok(p.sample[i]! > p.sample[i - 1]!);
    assert.deepEqual(numerical(col('x', 'number', values), { sampleSize: 100, seed: 9 }).sample, p.sample);
    assert.notDeepEqual(numerical(col('x', 'number', values), { sampleSize: 100, seed: 10 }).sample, p.sample);
    assert.equal(numerical(col('x', 'number', values)).sample.length, PROFILE_DEFAULTS.sampleSize);
  });

  test('a column with no value: count 0 and zeros (documented), one empty bin, JSON-safe', () => {
    for (const values of [[null, null, null], []] as CellValue[][]) {
      const p = numerical(col('x', 'number', values));
      assert.equal(p.count, 0);
      assert.equal(p.missing, values.length);
      assert.equal(p.missingRate, values.length === 0 ? 0 : 1);
      assert.deepEqual([p.min, p.max, p.mean, p.std], [0, 0, 0, 0]);
      assert.ok(p.quantiles.every((q) => q.value === 0));
      assert.deepEqual(p.histogram, { edges: [0, 1], counts: [0] });
      assert.equal(p.uniqueCount, 0);
      assert.equal(p.integer, false);
      assert.deepEqual(p.sample, []);
      assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
    }
  });

  test('a column of only NaN and Infinity: counted, nonFinite, statistics as for no value', () => {
    const p = numerical(col('x', 'number', [NaN, Infinity, null]));
    assert.equal(p.count, 2);
    assert.equal(p.nonFinite, 2);
    assert.equal(p.mean, 0);
    assert.deepEqual(p.sample, []);
  });

  test('one value and a constant column', () => {
    const one = numerical(col('x', 'number', [4]));
    assert.deepEqual([one.min, one.max, one.mean, one.std], [4, 4, 4, 0]);
    assert.deepEqual(one.histogram, { edges: [3.5, 4.5], counts: [1] });
    const constant = numerical(col('x', 'number', [2, 2, 2]));
    assert.equal(constant.uniqueCount, 1);
    assert.deepEqual(constant.histogram, { edges: [1.5, 2.5], counts: [3] });
  });

  test('-0 is stored as 0, so the profile survives JSON unchanged', () => {
    const p = numerical(col('x', 'number', [-0, 1, -0]));
    assert.ok(Object.is(p.min, 0));
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
    assert.equal(p.uniqueCount, 2);
  });

  test('refuses a value that is not a number', () => {
    assert.throws(() => profileColumn(col('x', 'number', [1, 'a'])), invalid(/column "x" holds numbers but row 1 holds string/));
  });
});

describe('profileColumn: categorical', () => {
  test('strings: counts by count descending, then value ascending', () => {
    const p = categorical(col('c', 'string', ['b', 'a', 'c', 'b', null, 'a', 'd', 'b']));
    assert.equal(p.type, 'categorical');
    assert.equal(p.count, 7);
    assert.equal(p.missing, 1);
    assert.equal(p.missingRate, 1 / 8);
    assert.equal(p.uniqueCount, 4);
    assert.deepEqual(p.categories, [
      { value: 'b', count: 3 },
      { value: 'a', count: 2 },
      { value: 'c', count: 1 },
      { value: 'd', count: 1 },
    ]);
    assert.equal(p.otherCount, 0);
  });

  test('capped at maxCategories, the rest summed in otherCount', () => {
    const p = categorical(col('c', 'string', ['x', 'x', 'x', 'y', 'y', 'z', 'w']), { maxCategories: 2 });
    assert.deepEqual(p.categories, [
      { value: 'x', count: 3 },
      { value: 'y', count: 2 },
    ]);
    assert.equal(p.otherCount, 2);
    assert.equal(p.uniqueCount, 4);
    assert.deepEqual(categorical(col('c', 'string', ['x']), { maxCategories: 0 }).categories, []);
  });

  test('booleans and numbers named categorical are compared as String(v)', () => {
    const b = categorical(col('flag', 'boolean', [true, false, true]));
    assert.deepEqual(b.categories, [
      { value: 'true', count: 2 },
      { value: 'false', count: 1 },
    ]);
    const n = categorical(col('zip', 'number', [10115, 1.5, 10115, NaN]), { categorical: ['zip'] });
    assert.deepEqual(n.categories, [
      { value: '10115', count: 2 },
      { value: '1.5', count: 1 },
      { value: 'NaN', count: 1 },
    ]);
  });

  test('a category named __proto__ stays a plain value', () => {
    const p = categorical(col('c', 'string', ['__proto__', 'constructor', '__proto__']));
    assert.deepEqual(p.categories, [
      { value: '__proto__', count: 2 },
      { value: 'constructor', count: 1 },
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });

  test('an empty column', () => {
    const p = categorical(col('c', 'string', [null]));
    assert.deepEqual([p.count, p.missing, p.missingRate, p.uniqueCount, p.otherCount], [0, 1, 1, 0, 0]);
    assert.deepEqual(p.categories, []);
  });
});

describe('profileTable', () => {
  const table: Table = {
    rows: 4,
    columns: [
      col('at', 'timestamp', [0, 1000, 2000, null]),
      col('age', 'number', [30, 41, null, 25]),
      col('plan', 'string', ['pro', 'free', 'free', null]),
      col('zip', 'number', [1, 2, 1, 1]),
    ],
  };

  test('profiles every column but timestamps, in table order', () => {
    const p = profileTable(table, { categorical: ['zip'] });
    assert.equal(p.rows, 4);
    assert.deepEqual(
      p.columns.map((c) => [c.name, c.type]),
      [
        ['age', 'numerical'],
        ['plan', 'categorical'],
        ['zip', 'categorical'],
      ],
    );
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });

  test('categorical names of other columns are ignored (the options are shared with the target column)', () => {
    const p = profileTable(table, { categorical: ['zip', 'label'] });
    assert.equal(p.columns.find((c) => c.name === 'zip')!.type, 'categorical');
  });

  test('a table without rows', () => {
    const p = profileTable({ rows: 0, columns: [col('a', 'number', []), col('b', 'string', [])] });
    assert.equal(p.rows, 0);
    assert.equal(p.columns.length, 2);
    assert.ok(p.columns.every((c) => c.count === 0 && c.missingRate === 0));
  });

  test('refuses what it cannot profile', () => {
    assert.throws(() => profileTable({ rows: 1, columns: [col('a', 'number', [1]), col('a', 'string', ['x'])] }), invalid(/two columns named "a"/));
    assert.throws(() => profileTable({ rows: 2, columns: [col('a', 'number', [1])] }), invalid(/has 1 values for 2 rows/));
    assert.throws(() => profileColumn(col('at', 'timestamp', [1])), invalid(/holds timestamps/));
    for (const bad of [{ sampleSize: -1 }, { maxCategories: 1.5 }, { seed: NaN }]) {
      assert.throws(() => profileTable(table, bad), invalid(/profile option/));
    }
  });
});
