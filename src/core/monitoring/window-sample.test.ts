import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reservoirSample } from '../profile/reservoir.js';
import { CategoricalWindow, NumericalWindow, WindowSample } from './window-sample.js';

describe('NumericalWindow', () => {
  it('keeps every finite value while they fit, counting the rest as missing', () => {
    const w = new NumericalWindow(10, 1);
    for (const v of [3, null, 1, NaN, -0, Infinity, 2, 'x' as unknown as number]) w.add(v);
    assert.deepEqual(w.sample(), [3, 1, 0, 2]);
    assert.equal(w.count, 4);
    assert.equal(w.missing, 4);
    assert.ok(Object.is(w.sample()[2], 0), '-0 is kept as 0, as in the profile');
  });

  it('keeps a seeded uniform sample of a longer stream: the same one the profile would keep', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 10_007);
    const w = new NumericalWindow(500, 42);
    for (const v of values) w.add(v);
    assert.equal(w.count, 20_000);
    assert.deepEqual(w.sample(), reservoirSample(values, 500, 42));
    const again = new NumericalWindow(500, 42);
    for (const v of values) again.add(v);
    assert.deepEqual(again.sample(), w.sample());
  });

  it('counts distinct values exactly while there are few', () => {
    const w = new NumericalWindow(3, 1);
    for (const v of [1, 2, 2, 3, 1, 4]) w.add(v);
    assert.equal(w.distinctValues().size, 4, 'beyond the reservoir capacity too');
    for (let i = 0; i < 1000; i++) w.add(i);
    assert.equal(w.distinctValues().size, 64, 'bounded');
  });
});

describe('CategoricalWindow', () => {
  it('counts the reference categories always, a bounded number of new ones, and the rest as other', () => {
    const w = new CategoricalWindow(2, ['a', 'b']);
    for (const v of ['a', 'c', 'd', 'e', 'b', 'a', 'c', 'f', null, 'e']) w.add(v);
    const c = w.categoryCounts();
    assert.deepEqual(Object.fromEntries(c.counts), { a: 2, c: 2, d: 1, b: 1 });
    assert.equal(c.other, 3, 'e, f, e');
    assert.equal(w.count, 9);
    assert.equal(w.missing, 1);
  });

  it('keeps keys like __proto__ as plain data', () => {
    const w = new CategoricalWindow(10);
    w.add('__proto__');
    w.add('constructor');
    assert.deepEqual([...w.categoryCounts().counts], [['__proto__', 1], ['constructor', 1]]);
  });
});

describe('WindowSample', () => {
  it('feeds each column its values and counts rows and predictions', () => {
    const s = new WindowSample([{ type: 'numerical' }, { type: 'categorical', knownCategories: ['x'] }], { sampleSize: 100 });
    s.add({ rows: 2, values: [[1, 2], ['x', 'y']] });
    s.add({ rows: 0, values: [[], []] });
    s.add({ rows: 1, values: [[3], []] });
    assert.equal(s.rows, 3);
    assert.equal(s.predictions, 3);
    const [num, cat] = s.columns;
    assert.equal(num?.type, 'numerical');
    assert.deepEqual(num?.type === 'numerical' ? num.sample() : null, [1, 2, 3]);
    assert.deepEqual(cat?.type === 'categorical' ? Object.fromEntries(cat.categoryCounts().counts) : null, { x: 1, y: 1 });
  });
});
