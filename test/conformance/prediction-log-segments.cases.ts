import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonText } from '../../src/core/monitoring/prediction-record.js';
import type { PredictionRecord } from '../../src/core/monitoring/prediction-record.js';
import type { LoggedPrediction, PredictionFilter } from '../../src/storage/prediction-log.js';
import { MAX_PAGE_SIZE } from '../../src/storage/prediction-log.js';
import { encodeBatch } from '../../src/storage/prediction-log-segment.js';
import { rejectsWith } from './registry-fixtures.js';
import type { WithLog } from './prediction-log-fixtures.js';
import { T0, ids, readAll, rec, withoutLabel } from './prediction-log-fixtures.js';

/** Newest first by (at, id), as the contract orders records (JavaScript string order for ids). */
const newestFirst = (a: { at: number; id: string }, b: { at: number; id: string }): number =>
  b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Every pair of neighbours is in newest-first order (equal pairs allowed). */
function assertOrdered(items: readonly LoggedPrediction[], what: string): void {
  for (let i = 1; i < items.length; i++) {
    assert.ok(newestFirst(items[i - 1]!, items[i]!) <= 0, `${what}: ${items[i - 1]?.id}@${items[i - 1]?.at} before ${items[i]?.id}@${items[i]?.at}`);
  }
}

const PRETTY = `{
  "inputs": [
    {
      "name": "features",
      "datatype": "FP32",
      "shape": [1, 4],
      "data": [5.1, 3.5, 1.4, 0.2]
    }
  ],
  "note": "line\\nbreak, tab\\t and \\"quotes\\""
}
`;
const NUL = '{"text": "before \\u0000 after", "ok": true}';
const ODD = '  [-0, 1e999, 12345678901234567890, "\\ud800", {"__proto__": {"x": 1}, "b": 1, "a": 2}, "ünï ✓ 🚀"]  ';

/** The segment part of the PredictionLog contract: batch keys, duplicate ids, JsonText, order across appends. */
export function segmentCases(withLog: WithLog): void {
  test('append is idempotent on its key: a retried batch stores nothing new, whatever its records are', () =>
    withLog(async (log) => {
      const batch = [rec('a'), rec('b', { model: 'wine' }), rec('c', { version: 2, at: T0 + 1 })];
      assert.equal(await log.append(batch, { key: 'batch-1' }), 3);
      assert.equal(await log.append(batch, { key: 'batch-1' }), 0);
      assert.equal(await log.count({ model: 'iris' }), 2);
      assert.equal(await log.count({ model: 'wine' }), 1);
      assert.equal(await log.append(batch, { key: 'batch-2' }), 3, 'another key is another batch');
      assert.equal(await log.append(batch), 3, 'without a key every call stores');
      assert.equal(await log.count({ model: 'iris' }), 6);
      for (const key of ['', 'nul\u0000key', 7 as unknown as string]) {
        await rejectsWith(log.append([rec('x')], { key }), 'INVALID_REQUEST');
      }
      assert.equal(await log.count({ model: 'iris' }), 6);
    }));

  test('appendEncoded stores what encodeBatch made, under the same key rule as append', () =>
    withLog(async (log) => {
      const records = [rec('e1', { inputs: new JsonText(NUL) }), rec('e2', { at: T0 + 1, model: 'wine' })];
      await rejectsWith(Promise.resolve().then(() => encodeBatch([rec('')])), 'INVALID_REQUEST');
      const batch = encodeBatch(records, { key: 'encoded' });
      assert.equal(await log.appendEncoded(batch), 2);
      assert.equal(await log.appendEncoded(batch), 0);
      assert.equal(await log.append(records, { key: 'encoded' }), 0, 'append and appendEncoded share keys');
      assert.deepEqual((await log.query({ model: 'iris' })).items.map((p) => [p.id, p.inputs]), [['e1', JSON.parse(NUL)]]);
      assert.equal(await log.count({ model: 'wine' }), 1);
    }));

  test('records are stored as given: the same id twice is two predictions, and a label joins both', () =>
    withLog(async (log) => {
      assert.equal(await log.append([rec('dup', { rows: 1 }), rec('solo', { at: T0 + 1 })]), 2);
      assert.equal(await log.append([rec('dup', { at: T0 + 5, rows: 2 })]), 1);
      assert.equal(await log.append([rec('twice', { at: T0 + 7 }), rec('twice', { at: T0 + 7, rows: 9 })]), 2);
      await log.addFeedback([{ id: 'dup', label: 'yes', at: T0 + 100 }]);
      const { items } = await log.query({ model: 'iris' });
      assert.deepEqual(
        items.map((p) => [p.id, p.at, p.label]),
        [
          ['twice', T0 + 7, null],
          ['twice', T0 + 7, null],
          ['dup', T0 + 5, 'yes'],
          ['solo', T0 + 1, null],
          ['dup', T0, 'yes'],
        ],
      );
      assert.deepEqual(items.filter((p) => p.id === 'twice').map((p) => p.rows).sort(), [1, 9]);
      const labelled = await log.labelled({ model: 'iris' });
      assert.deepEqual(labelled.items.map((p) => [p.id, p.rows]), [['dup', 2], ['dup', 1]]);
      // Equal (at, id) pairs still page one by one, each exactly once.
      const paged = await readAll((q) => log.query(q), { model: 'iris', limit: 1 });
      assert.deepEqual(paged.items.map(withoutLabel), items.map(withoutLabel));
      assert.equal(await log.count({ model: 'iris' }), 5);
    }));

  test('a JsonText is stored verbatim and reads back as JSON.parse of its text', () =>
    withLog(async (log) => {
      const texts = [PRETTY, NUL, ODD, 'null', ' 42 ', '"just a string"'];
      await log.append(
        texts.map((t, i) => rec(`jt-${i}`, { at: T0 + i, inputs: new JsonText(t), outputs: new JsonText(texts[texts.length - 1 - i]!) })),
      );
      await log.append([rec('mixed', { at: T0 + 100, inputs: new JsonText(NUL), outputs: { plain: [1n] }, flags: ['x', 'x'] })]);
      const byId = new Map((await log.query({ model: 'iris' })).items.map((p) => [p.id, p]));
      texts.forEach((t, i) => {
        assert.deepStrictEqual(byId.get(`jt-${i}`)?.inputs, JSON.parse(t), `inputs ${i}`);
        assert.deepStrictEqual(byId.get(`jt-${i}`)?.outputs, JSON.parse(texts[texts.length - 1 - i]!), `outputs ${i}`);
      });
      const odd = byId.get('jt-2')?.inputs as unknown[];
      assert.ok(Object.is(odd[0], -0) && odd[1] === Number.POSITIVE_INFINITY, 'numbers come back as JSON.parse reads them');
      assert.ok(Object.hasOwn(odd[4] as object, '__proto__'));
      assert.equal((byId.get('jt-1')?.inputs as { text: string }).text, 'before \u0000 after');
      assert.deepEqual([byId.get('mixed')?.outputs, byId.get('mixed')?.flags], [{ plain: ['1'] }, ['x']]);
    }));

  test('pages over appends that overlap in time return every record once, in order, at any page size', () =>
    withLog(async (log) => {
      // Two replicas' batches interleaved in time, with equal (at, id) pairs across them and ids in mixed case.
      const a = Array.from({ length: 30 }, (_, i) => rec(i % 5 === 0 ? `same-${i}` : `a-${i}`, { at: T0 + 2 * i, version: 1 }));
      const b = Array.from({ length: 30 }, (_, i) => rec(i % 5 === 0 ? `same-${i}` : `B-${i}`, { at: T0 + 2 * i + (i % 5 === 0 ? 0 : 1) }));
      const c = ['Z', 'a', 'é', 'B', 'aa', '~'].map((id) => rec(id, { at: T0 + 20 }));
      await log.append(a);
      await log.append(b);
      await log.append(c);
      const whole = await log.query({ model: 'iris', limit: 1000 });
      assert.equal(whole.items.length, 66);
      assertOrdered(whole.items, 'whole');
      assert.deepEqual(ids(whole.items.filter((p) => p.at === T0 + 20)), ['é', '~', 'same-10', 'same-10', 'aa', 'a', 'Z', 'B']);
      for (const limit of [1, 2, 3, 7, 10, 65, 66]) {
        const paged = await readAll((q) => log.query(q), { model: 'iris', limit });
        assert.deepEqual(paged.items.map(withoutLabel), whole.items.map(withoutLabel), `limit ${limit}`);
      }
      const window = { model: 'iris', since: T0 + 11, until: T0 + 41 };
      const inWindow = whole.items.filter((p) => p.at >= window.since && p.at < window.until);
      assert.deepEqual(ids((await readAll((q) => log.query(q), { ...window, limit: 4 })).items), ids(inWindow));
    }));

  test('count agrees with the records for time ranges that cut through segments, with every filter', () =>
    withLog(async (log) => {
      const make = (n: number, from: number, step: number, name: string): PredictionRecord[] =>
        Array.from({ length: n }, (_, i) =>
          rec(`${name}-${i}`, {
            at: T0 + from + i * step,
            status: i % 4 === 0 ? 'error' : 'ok',
            error: i % 4 === 0 ? 'INFERENCE_FAILED' : null,
            route: i % 3 === 0 ? 'canary' : 'production',
            version: (i % 2) + 1,
            flags: i % 5 === 0 ? ['out_of_distribution'] : [],
          }),
        );
      const all = [...make(40, 0, 10, 'x'), ...make(40, 5, 10, 'y'), ...make(20, 1000, 1, 'z')];
      await log.append(all.slice(0, 40));
      await log.append(all.slice(40, 80));
      await log.append(all.slice(80));
      const bounds: [number | undefined, number | undefined][] = [
        [undefined, undefined],
        [T0 + 95, undefined],
        [undefined, T0 + 205],
        [T0 + 95, T0 + 205],
        [T0 + 0, T0 + 1020],
        [T0 + 1005, T0 + 1006],
        [T0 + 2000, undefined],
      ];
      const extras: Partial<PredictionFilter>[] = [{}, { status: 'error' }, { status: 'ok' }, { version: 2 }, { route: 'canary' }, { flag: 'out_of_distribution' }];
      for (const [since, until] of bounds) {
        for (const extra of extras) {
          const filter: PredictionFilter = { model: 'iris', ...extra, ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
          const expected = all.filter(
            (r) =>
              (since === undefined || r.at >= since) &&
              (until === undefined || r.at < until) &&
              (extra.status === undefined || r.status === extra.status) &&
              (extra.version === undefined || r.version === extra.version) &&
              (extra.route === undefined || r.route === extra.route) &&
              (extra.flag === undefined || r.flags.includes(extra.flag)),
          ).length;
          assert.equal(await log.count(filter), expected, `count ${JSON.stringify(filter)}`);
          assert.equal((await log.query({ ...filter, limit: MAX_PAGE_SIZE })).items.length, expected, `query ${JSON.stringify(filter)}`);
        }
      }
    }));

  test('deleteBefore cuts through a segment: older records and their labels go, the rest stays exactly as stored', () =>
    withLog(async (log) => {
      const records = Array.from({ length: 10 }, (_, i) =>
        rec(`s-${i}`, {
          at: T0 + i,
          inputs: new JsonText(i % 2 === 0 ? ODD : PRETTY),
          status: i % 3 === 0 ? 'error' : 'ok',
          error: i % 3 === 0 ? 'TIMEOUT' : null,
        }),
      );
      await log.append(records, { key: 'cut' });
      await log.addFeedback(records.map((r) => ({ id: r.id, label: r.at, at: T0 + 500 })));
      assert.equal(await log.deleteBefore(T0 + 4), 4);
      const { items } = await log.query({ model: 'iris' });
      assert.deepEqual(ids(items), ['s-9', 's-8', 's-7', 's-6', 's-5', 's-4']);
      for (const p of items) {
        assert.deepStrictEqual(p.inputs, JSON.parse(Number(p.id.slice(2)) % 2 === 0 ? ODD : PRETTY), `inputs of ${p.id}`);
        assert.equal(p.labelAt, T0 + 500);
      }
      assert.ok(Object.is((items[1]?.inputs as unknown[])[0], -0), 'a kept record is not re-serialized');
      assert.equal(await log.count({ model: 'iris' }), 6);
      assert.equal(await log.count({ model: 'iris', status: 'error' }), 2);
      assert.equal(await log.count({ model: 'iris', status: 'ok', since: T0 }), 4);
      assert.equal(await log.append(records, { key: 'cut' }), 0, 'a trimmed segment still holds its key');
      // The labels of the deleted ids went with them.
      await log.append(records.slice(0, 4).map((r) => ({ ...r, at: r.at + 1000 })));
      assert.deepEqual((await log.labelled({ model: 'iris', limit: 100 })).items.length, 6);
      assert.equal(await log.deleteBefore(T0 + 100), 6);
      assert.equal(await log.deleteBefore(T0 + 100), 0);
      assert.equal(await log.count({ model: 'iris' }), 4);
    }));
}
