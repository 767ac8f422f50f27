import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EARLY_LABEL_MS } from '../../src/storage/prediction-log.js';
import { rejectsWith } from './registry-fixtures.js';
import type { WithLog } from './prediction-log-fixtures.js';
import { T0, ids, readAll, rec } from './prediction-log-fixtures.js';

/** The label part of the PredictionLog contract: labels joined on read, replaced by newer ones, and retention. */
export function feedbackCases(withLog: WithLog): void {
  test('a label given after the prediction is joined to it; none reads as null/null', () =>
    withLog(async (log) => {
      await log.append([rec('a', { at: T0 + 1 }), rec('b', { at: T0 + 2 })]);
      await log.addFeedback([{ id: 'a', label: { species: 'setosa' }, at: T0 + 100 }]);
      const { items } = await log.query({ model: 'iris' });
      assert.deepEqual(
        items.map((p) => [p.id, p.label, p.labelAt]),
        [
          ['b', null, null],
          ['a', { species: 'setosa' }, T0 + 100],
        ],
      );
    }));

  test('a label given before its prediction is flushed is joined once the prediction arrives', () =>
    withLog(async (log) => {
      await log.addFeedback([{ id: 'early', label: 1, at: T0 + 5 }]);
      assert.equal(await log.count({ model: 'iris' }), 0);
      assert.deepEqual((await log.labelled({ model: 'iris' })).items, []);
      await log.append([rec('early', { at: T0 + 10 })]);
      const [p] = (await log.query({ model: 'iris' })).items;
      assert.deepEqual([p?.label, p?.labelAt], [1, T0 + 5]);
    }));

  test('the label with the greatest time wins, whatever order the labels arrive in', () =>
    withLog(async (log) => {
      await log.append([rec('a'), rec('b'), rec('c'), rec('d', { at: T0 + 1 })]);
      await log.addFeedback([{ id: 'a', label: 'first', at: T0 + 10 }]);
      await log.addFeedback([{ id: 'a', label: 'second', at: T0 + 20 }]);
      await log.addFeedback([{ id: 'b', label: 'newer', at: T0 + 20 }]);
      await log.addFeedback([{ id: 'b', label: 'older, retried late', at: T0 + 10 }]);
      await log.addFeedback([{ id: 'c', label: 'one', at: T0 + 10 }]);
      await log.addFeedback([{ id: 'c', label: 'same time, later call', at: T0 + 10 }]);
      // One call naming an id several times: the greatest time wins, then the later item.
      await log.addFeedback([
        { id: 'd', label: 'x', at: T0 + 30 },
        { id: 'd', label: 'y', at: T0 + 50 },
        { id: 'd', label: 'z', at: T0 + 40 },
        { id: 'd', label: 'w', at: T0 + 50 },
      ]);
      const labels = Object.fromEntries((await log.query({ model: 'iris' })).items.map((p) => [p.id, [p.label, p.labelAt]]));
      assert.deepEqual(labels, {
        a: ['second', T0 + 20],
        b: ['newer', T0 + 20],
        c: ['same time, later call', T0 + 10],
        d: ['w', T0 + 50],
      });
    }));

  test('a JSON null label is a label: labelAt tells it from no label', () =>
    withLog(async (log) => {
      await log.append([rec('a'), rec('b', { at: T0 + 1 })]);
      await log.addFeedback([{ id: 'a', label: null, at: T0 + 7 }]);
      const byId = new Map((await log.query({ model: 'iris' })).items.map((p) => [p.id, p]));
      assert.deepEqual([byId.get('a')?.label, byId.get('a')?.labelAt], [null, T0 + 7]);
      assert.deepEqual(ids((await log.labelled({ model: 'iris' })).items), ['a']);
    }));

  test('labelled() returns only predictions with a label, newest first, filtered and paged like query()', () =>
    withLog(async (log) => {
      const records = Array.from({ length: 30 }, (_, i) =>
        rec(`p${String(i).padStart(2, '0')}`, { at: T0 + i, version: (i % 2) + 1, flags: i % 3 === 0 ? ['out_of_distribution'] : [] }),
      );
      await log.append(records);
      await log.addFeedback(records.filter((_, i) => i % 4 !== 1).map((r) => ({ id: r.id, label: r.id.toUpperCase(), at: T0 + 1000 })));
      await log.addFeedback([{ id: 'not-logged', label: 0, at: T0 }]);
      const all = await readAll((q) => log.labelled(q), { model: 'iris', limit: 4 });
      const expected = records.filter((_, i) => i % 4 !== 1).reverse();
      assert.deepEqual(ids(all.items), ids(expected));
      assert.ok(all.items.every((p) => p.label === p.id.toUpperCase() && p.labelAt === T0 + 1000));
      assert.equal(all.pages, Math.ceil(expected.length / 4));
      const v2 = await log.labelled({ model: 'iris', version: 2, flag: 'out_of_distribution', limit: 100 });
      assert.deepEqual(
        ids(v2.items),
        ids(records.filter((_, i) => i % 4 !== 1 && i % 2 === 1 && i % 3 === 0).reverse()),
      );
    }));

  test('labelled() with a since looks only at labels given from since - EARLY_LABEL_MS on', () =>
    withLog(async (log) => {
      const since = T0 + 10 * EARLY_LABEL_MS;
      await log.append([rec('recent', { at: since + 5 }), rec('skewed', { at: since + 6 }), rec('unlabelled', { at: since + 7 })]);
      // Within the clock-skew allowance, a label given "before" its prediction still counts...
      await log.addFeedback([{ id: 'skewed', label: 0, at: since - EARLY_LABEL_MS }]);
      assert.deepEqual(ids((await log.labelled({ model: 'iris', since })).items), ['skewed']);
      // ...one given longer before the window does not; with no label at all the answer is an empty page.
      await log.addFeedback([{ id: 'recent', label: 1, at: since - EARLY_LABEL_MS - 1 }]);
      assert.deepEqual(ids((await log.labelled({ model: 'iris', since })).items), ['skewed']);
      assert.deepEqual(ids((await log.labelled({ model: 'iris' })).items), ['skewed', 'recent']);
      assert.deepEqual(await log.labelled({ model: 'iris', since: since + 7 }), { items: [], next: null });
    }));

  test('malformed feedback rejects the whole call with INVALID_REQUEST', () =>
    withLog(async (log) => {
      await log.append([rec('a')]);
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      await rejectsWith(log.addFeedback([{ id: 'a', label: 1, at: T0 }, { id: '', label: 1, at: T0 }]), 'INVALID_REQUEST');
      await rejectsWith(log.addFeedback([{ id: 'a', label: 1, at: 1.5 }]), 'INVALID_REQUEST');
      await rejectsWith(log.addFeedback([{ id: 'a', label: cyclic, at: T0 }]), 'INVALID_REQUEST');
      assert.equal((await log.query({ model: 'iris' })).items[0]?.labelAt, null);
      await log.addFeedback([]);
    }));

  test('deleteBefore deletes older predictions with their labels, and keeps young waiting labels', () =>
    withLog(async (log) => {
      const cut = T0 + 100;
      await log.append([
        rec('old-1', { at: cut - 50, flags: ['fallback:cache'] }),
        rec('old-2', { at: cut - 1, model: 'wine' }),
        rec('edge', { at: cut, flags: ['fallback:cache'] }),
        rec('young', { at: cut + 50 }),
      ]);
      await log.addFeedback([
        { id: 'old-1', label: 'late label of an old prediction', at: cut + 500 },
        { id: 'young', label: 'y', at: cut - 80 },
        { id: 'waiting-young', label: 'w', at: cut },
        { id: 'waiting-old', label: 'w', at: cut - 1 },
      ]);
      assert.equal(await log.deleteBefore(cut), 2);
      assert.deepEqual(ids((await log.query({ model: 'iris' })).items), ['young', 'edge']);
      assert.equal(await log.count({ model: 'wine' }), 0);
      assert.equal((await log.query({ model: 'iris' })).items[0]?.label, 'y', 'a kept prediction keeps its label, however old');
      // Predictions arriving now under the same ids show what became of the labels.
      await log.append([rec('old-1', { at: cut + 1000 }), rec('waiting-young', { at: cut + 1001 }), rec('waiting-old', { at: cut + 1002 })]);
      const labels = Object.fromEntries((await log.query({ model: 'iris' })).items.map((p) => [p.id, p.labelAt]));
      assert.deepEqual(labels, { 'waiting-old': null, 'waiting-young': cut, 'old-1': null, edge: null, young: cut - 80 });
      assert.deepEqual(ids((await log.query({ model: 'iris', flag: 'fallback:cache' })).items), ['edge']);
      assert.equal(await log.deleteBefore(cut), 0);
      assert.equal(await log.deleteBefore(T0 + 10_000), 5);
      assert.equal(await log.count({ model: 'iris' }), 0);
      await rejectsWith(log.deleteBefore(Number.NaN), 'INVALID_TIME');
    }));

  test('deleteBefore looks for the prediction of an older label up to EARLY_LABEL_MS after the cut', () =>
    withLog(async (log) => {
      const cut = T0 + 100;
      await log.append([rec('near', { at: cut + EARLY_LABEL_MS - 1 }), rec('far', { at: cut + EARLY_LABEL_MS })]);
      await log.addFeedback([
        { id: 'near', label: 1, at: cut - 1 },
        { id: 'far', label: 2, at: cut - 1 },
      ]);
      assert.equal(await log.deleteBefore(cut), 0);
      const labels = Object.fromEntries((await log.query({ model: 'iris' })).items.map((p) => [p.id, p.label]));
      assert.deepEqual(labels, { far: null, near: 1 });
    }));
}
