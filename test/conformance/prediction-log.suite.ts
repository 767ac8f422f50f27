import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  INPUTS_UNSERIALIZABLE_FLAG,
  OUTPUTS_UNSERIALIZABLE_FLAG,
} from '../../src/core/monitoring/prediction-record.js';
import type { PredictionRecord } from '../../src/core/monitoring/prediction-record.js';
import type { PredictionLog } from '../../src/storage/prediction-log.js';
import { MAX_PAGE_SIZE } from '../../src/storage/prediction-log.js';
import { rejectsWith } from './registry-fixtures.js';
import { feedbackCases } from './prediction-log-feedback.cases.js';
import { segmentCases } from './prediction-log-segments.cases.js';
import { T0, ids, readAll, rec, withLogFrom, withoutLabel } from './prediction-log-fixtures.js';

/** What JSON keeps of a value: the contract's promise for inputs, outputs and labels. */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

/**
 * The PredictionLog contract (src/storage/prediction-log.ts) as tests. Every backend runs this one suite through a
 * one-line runner: `predictionLogSuite('sqlite :memory:', () => openSqlitePredictionLog(':memory:'))`. `open` must
 * return an empty log each time it is called.
 */
export function predictionLogSuite(label: string, open: () => Promise<PredictionLog>): void {
  const withLog = withLogFrom(open);

  describe(`PredictionLog conformance: ${label}`, () => {
    test('a record round-trips every field exactly', () =>
      withLog(async (log) => {
        const full: PredictionRecord = {
          id: 'req-7f3a',
          at: T0 + 123,
          model: 'churn',
          version: 12,
          route: 'canary',
          rows: 3,
          inputs: { tenure: [1, 24, 60], plan: ['basic', 'pro', null] },
          outputs: { probability: [0.125, 0.5, 0.875], label: [false, true, true] },
          latencyMs: 0.3125,
          status: 'ok',
          error: null,
          flags: ['out_of_distribution', 'fallback:cache'],
        };
        const failed = rec('req-err', { at: T0 + 124, model: 'churn', status: 'error', error: 'INFERENCE_FAILED', outputs: null, route: 'fallback', latencyMs: 17 });
        assert.equal(await log.append([full, failed]), 2);
        const { items, next } = await log.query({ model: 'churn' });
        assert.equal(next, null);
        assert.deepEqual(items, [
          { ...failed, label: null, labelAt: null },
          { ...full, label: null, labelAt: null },
        ]);
        assert.equal(await log.append([]), 0);
      }));

    test('a malformed record rejects the whole append with INVALID_REQUEST and writes nothing', () =>
      withLog(async (log) => {
        const bad: PredictionRecord[] = [
          rec(''),
          rec('x', { at: 1.5 }),
          rec('x', { version: 0 }),
          rec('x', { route: 'sideways' as PredictionRecord['route'] }),
          rec('x', { status: 'meh' as PredictionRecord['status'] }),
          rec('x', { latencyMs: Number.NaN }),
          rec('x', { rows: -1 }),
          rec('x', { flags: ['ok', ''] }),
          rec('x', { model: 'nul\u0000byte' }),
          rec('nul\u0000id'),
        ];
        for (const r of bad) await rejectsWith(log.append([rec('fine'), r]), 'INVALID_REQUEST');
        assert.equal(await log.count({ model: 'iris' }), 0);
      }));

    test('inputs, outputs and labels survive awkward JSON exactly: quotes, unicode, U+0000, __proto__ keys, key order', () =>
      withLog(async (log) => {
        const proto = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "z": 1, "a": 2}') as unknown;
        const awkward: unknown[] = [
          'she said "hi" \\ and left\n\ttab',
          'ünïcødé ✓ 日本語 עברית 🚀 e\u0301 \u2028\u2029',
          'nul \u0000 inside',
          'lone \ud800 surrogate',
          proto,
          { b: 1, a: 2, '': 3, '1': 'numeric key', 'k"ey': '\\' },
          [0.1, -0, 1e-300, 1.7976931348623157e308, Number.MAX_SAFE_INTEGER, -1, true, false, null],
          [[], {}, [[[]]], { nested: { deeper: [{}] } }],
          12.5,
          'plain',
          null,
          true,
          { undef: undefined, fn: () => 1, date: new Date(T0), nan: Number.NaN, inf: -Infinity },
        ];
        await log.append(awkward.map((v, i) => rec(`j${String(i).padStart(2, '0')}`, { at: T0 + i, inputs: v, outputs: [v] })));
        await log.addFeedback(awkward.map((v, i) => ({ id: `j${String(i).padStart(2, '0')}`, label: v, at: T0 })));
        const { items } = await log.query({ model: 'iris', limit: 100 });
        assert.equal(items.length, awkward.length);
        for (const p of items) {
          const i = Number(p.id.slice(1));
          const expected = viaJson(awkward[i]);
          assert.deepStrictEqual(p.inputs, expected, `inputs of ${p.id}`);
          assert.deepStrictEqual(p.outputs, [expected], `outputs of ${p.id}`);
          assert.deepStrictEqual(p.label, expected, `label of ${p.id}`);
          if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
            assert.deepEqual(Object.keys(p.inputs as object), Object.keys(expected), `key order of ${p.id}`);
          }
        }
        const withProto = items.find((p) => p.id === 'j04')?.inputs as Record<string, unknown>;
        assert.ok(Object.hasOwn(withProto, '__proto__'), '__proto__ stays an own key');
        assert.equal(Object.getPrototypeOf(withProto), Object.prototype);
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      }));

    test('values JSON cannot hold: BigInts become strings, an unserializable value becomes null with a flag', () =>
      withLog(async (log) => {
        const cyclic: Record<string, unknown> = { name: 'loop' };
        cyclic['self'] = cyclic;
        await log.append([
          rec('big', { inputs: { ids: [1n, 2n ** 63n - 1n] }, outputs: 5n }),
          rec('cycle', { at: T0 + 1, inputs: cyclic, outputs: cyclic, flags: ['mine'] }),
        ]);
        const byId = new Map((await log.query({ model: 'iris' })).items.map((p) => [p.id, p]));
        assert.deepEqual(byId.get('big')?.inputs, { ids: ['1', '9223372036854775807'] });
        assert.equal(byId.get('big')?.outputs, '5');
        assert.deepEqual(byId.get('big')?.flags, []);
        const cycle = byId.get('cycle');
        assert.deepEqual([cycle?.inputs, cycle?.outputs], [null, null]);
        assert.deepEqual(cycle?.flags, ['mine', INPUTS_UNSERIALIZABLE_FLAG, OUTPUTS_UNSERIALIZABLE_FLAG]);
        assert.deepEqual(ids((await log.query({ model: 'iris', flag: INPUTS_UNSERIALIZABLE_FLAG })).items), ['cycle']);
      }));

    test('query filters by model, version, route, status, time window and flag; count agrees', () =>
      withLog(async (log) => {
        const routes = ['production', 'canary', 'shadow', 'fallback', 'direct'] as const;
        const records = Array.from({ length: 40 }, (_, i) =>
          rec(`r${String(i).padStart(2, '0')}`, {
            at: T0 + i * 10,
            model: i % 8 === 7 ? 'wine' : 'iris',
            version: (i % 3) + 1,
            route: routes[i % 5],
            status: i % 6 === 0 ? 'error' : 'ok',
            error: i % 6 === 0 ? 'INFERENCE_FAILED' : null,
            flags: [...(i % 4 === 0 ? ['out_of_distribution'] : []), ...(i % 5 === 3 ? ['fallback:cache'] : [])],
          }),
        );
        // Appended out of time order: reads order by time, not by arrival.
        await log.append([...records].reverse().filter((_, i) => i % 2 === 0));
        await log.append(records.filter((_, i) => i % 2 === 0));
        const cases: [Parameters<PredictionLog['count']>[0], (r: PredictionRecord) => boolean][] = [
          [{ model: 'iris' }, (r) => r.model === 'iris'],
          [{ model: 'wine' }, (r) => r.model === 'wine'],
          [{ model: 'nope' }, () => false],
          [{ model: 'iris', version: 2 }, (r) => r.model === 'iris' && r.version === 2],
          [{ model: 'iris', route: 'shadow' }, (r) => r.model === 'iris' && r.route === 'shadow'],
          [{ model: 'iris', status: 'error' }, (r) => r.model === 'iris' && r.status === 'error'],
          [{ model: 'iris', since: T0 + 100 }, (r) => r.model === 'iris' && r.at >= T0 + 100],
          [{ model: 'iris', until: T0 + 100 }, (r) => r.model === 'iris' && r.at < T0 + 100],
          [{ model: 'iris', since: T0 + 50, until: T0 + 250, version: 1 }, (r) => r.model === 'iris' && r.at >= T0 + 50 && r.at < T0 + 250 && r.version === 1],
          [{ model: 'iris', flag: 'out_of_distribution' }, (r) => r.model === 'iris' && r.flags.includes('out_of_distribution')],
          [{ model: 'iris', flag: 'fallback:cache', route: 'direct' }, (r) => r.model === 'iris' && r.flags.includes('fallback:cache') && r.route === 'direct'],
          [{ model: 'iris', flag: 'fallback' }, () => false],
          [{ model: 'iris', flag: 'OUT_OF_DISTRIBUTION' }, () => false],
        ];
        for (const [filter, keep] of cases) {
          const expected = records.filter(keep).reverse();
          const got = await log.query({ ...filter, limit: MAX_PAGE_SIZE });
          assert.deepEqual(got.items.map(withoutLabel), expected, JSON.stringify(filter));
          assert.equal(await log.count(filter), expected.length, `count ${JSON.stringify(filter)}`);
        }
      }));

    test('pages follow each other with cursors: newest first, no repeats, no gaps, also across equal times', () =>
      withLog(async (log) => {
        // 45 records on 9 distinct times: ties must page as stably as distinct times.
        const records = Array.from({ length: 45 }, (_, i) => rec(`t-${i}`, { at: T0 + Math.floor(i / 5) }));
        await log.append(records);
        const whole = await log.query({ model: 'iris', limit: 1000 });
        assert.equal(whole.items.length, 45);
        for (let i = 1; i < whole.items.length; i++) {
          assert.ok((whole.items[i - 1]?.at ?? 0) >= (whole.items[i]?.at ?? 0), 'newest first');
        }
        for (const limit of [1, 4, 5, 7, 44, 45]) {
          const paged = await readAll((q) => log.query(q), { model: 'iris', limit });
          assert.deepEqual(ids(paged.items), ids(whole.items), `limit ${limit}`);
          assert.equal(paged.pages, Math.ceil(45 / limit), `pages at limit ${limit}`);
        }
        const first = await log.query({ model: 'iris', limit: 10 });
        assert.equal(first.items.length, 10);
        assert.notEqual(first.next, null);
        // Newer records arriving while someone pages do not shift the pages still to come.
        await log.append(Array.from({ length: 12 }, (_, i) => rec(`new-${i}`, { at: T0 + 1000 + i })));
        const rest = await readAll((q) => log.query(q), { model: 'iris', limit: 10, after: first.next ?? undefined });
        assert.deepEqual([...ids(first.items), ...ids(rest.items)], ids(whole.items));
        // A cursor carries a position, not a filter: the same cursor narrows any filter.
        const second = await log.query({ model: 'iris', limit: 3, after: first.next ?? undefined, since: T0 + 7 });
        assert.deepEqual(ids(second.items), ids(whole.items.slice(10).filter((p) => p.at >= T0 + 7)).slice(0, 3));
      }));

    test('malformed reads throw coded errors; absence is an empty answer', () =>
      withLog(async (log) => {
        await log.append([rec('a')]);
        assert.deepEqual(await log.query({ model: 'unknown' }), { items: [], next: null });
        assert.equal(await log.count({ model: 'unknown', version: 3 }), 0);
        for (const limit of [0, -1, 1.5, MAX_PAGE_SIZE + 1]) await rejectsWith(log.query({ model: 'iris', limit }), 'INVALID_REQUEST');
        for (const after of ['', 'not a cursor', 'bm9wZQ', Buffer.from('[1.5,"a"]').toString('base64url'), Buffer.from('[1,""]').toString('base64url')]) {
          await rejectsWith(log.query({ model: 'iris', after }), 'INVALID_REQUEST');
        }
        await rejectsWith(log.query({ model: 'iris', version: 0 }), 'INVALID_VERSION');
        await rejectsWith(log.count({ model: 'iris', version: 1.5 }), 'INVALID_VERSION');
        await rejectsWith(log.query({ model: 'iris', since: 1.5 }), 'INVALID_TIME');
        await rejectsWith(log.labelled({ model: 'iris', until: Number.POSITIVE_INFINITY }), 'INVALID_TIME');
        await rejectsWith(log.count({ model: 'iris', route: 'nowhere' as 'direct' }), 'INVALID_REQUEST');
        await rejectsWith(log.count({ model: 'a\u0000b' }), 'INVALID_REQUEST');
      }));

    test('5,000 records in one append are stored in one call and read back whole', () =>
      withLog(async (log) => {
        const records = Array.from({ length: 5000 }, (_, i) =>
          rec(`bulk-${String(i).padStart(4, '0')}`, {
            at: T0 + i,
            version: (i % 2) + 1,
            inputs: { row: i, text: `value "${i}" ✓` },
            flags: i % 100 === 0 ? ['out_of_distribution', 'fallback:cache'] : [],
          }),
        );
        assert.equal(await log.append(records, { key: 'bulk' }), 5000);
        assert.equal(await log.count({ model: 'iris' }), 5000);
        assert.equal(await log.count({ model: 'iris', version: 2 }), 2500);
        assert.equal(await log.count({ model: 'iris', flag: 'fallback:cache' }), 50);
        const all = await readAll((q) => log.query(q), { model: 'iris', limit: 1500 });
        assert.equal(all.pages, 4);
        assert.deepEqual(all.items.map(withoutLabel), [...records].reverse());
        assert.equal(await log.append(records, { key: 'bulk' }), 0);
      }));

    feedbackCases(withLog);
    segmentCases(withLog);
  });
}
