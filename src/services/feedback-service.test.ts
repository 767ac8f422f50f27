import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MooringError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { PredictionRecord } from '../core/monitoring/prediction-record.js';
import { MAX_FEEDBACK_ITEMS } from '../core/monitoring/feedback.js';
import { MemoryPredictionLog } from '../storage/memory/memory-prediction-log.js';
import { FeedbackService } from './feedback-service.js';

const T0 = Date.UTC(2026, 0, 1);

function rec(id: string, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id,
    at: T0,
    model: 'churn',
    version: 1,
    route: 'production',
    rows: 1,
    inputs: { instances: [[1, 2, 3, 4]] },
    outputs: { predictions: [{ probability: [0.8], label: [true] }] },
    latencyMs: 1,
    status: 'ok',
    error: null,
    flags: [],
    ...over,
  };
}

async function rejects(p: Promise<unknown>, code: ErrorCode, text?: RegExp): Promise<MooringError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MooringError, String(e));
    assert.equal(e.code, code, e.message);
    if (text) assert.match(e.message, text);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('FeedbackService', () => {
  it('stores labels stamped with the clock, joined to their predictions, and counts them', async () => {
    const log = new MemoryPredictionLog();
    let now = T0 + 5000;
    const feedback = new FeedbackService(log, () => now);
    await log.append([rec('a'), rec('b')]);
    assert.equal(await feedback.send([{ id: 'a', label: true }, { id: 'b', label: false }]), 2);
    const page = await log.labelled({ model: 'churn' });
    assert.deepEqual(
      page.items.map((p) => [p.id, p.label, p.labelAt]).sort(),
      [['a', true, T0 + 5000], ['b', false, T0 + 5000]],
    );
    // A newer label replaces the older one.
    now += 1000;
    await feedback.send([{ id: 'a', label: false }]);
    const a = (await log.query({ model: 'churn' })).items.find((p) => p.id === 'a')!;
    assert.equal(a.label, false);
    assert.equal(a.labelAt, T0 + 6000);
  });

  it('keeps a label that arrives before its prediction and joins it later', async () => {
    const log = new MemoryPredictionLog();
    const feedback = new FeedbackService(log, () => T0);
    await feedback.send([{ id: 'early', label: [1, 0] }]);
    assert.equal((await log.labelled({ model: 'churn' })).items.length, 0);
    await log.append([rec('early', { rows: 2 })]);
    const [p] = (await log.labelled({ model: 'churn' })).items;
    assert.deepEqual(p?.label, [1, 0]);
  });

  it('refuses a bad item naming its index, and stores nothing of the request', async () => {
    const log = new MemoryPredictionLog();
    await log.append([rec('a'), rec('b')]);
    const feedback = new FeedbackService(log, () => T0);
    const cases: Array<[unknown, RegExp]> = [
      [[{ id: 'a', label: true }, { id: '', label: true }], /item 1: "id"/],
      [[{ id: 'a', label: true }, { label: true }], /item 1: "id"/],
      [[{ id: 'a', label: true }, { id: 'b' }], /item 1: "label" is missing/],
      [[{ id: 'a', label: true }, { id: 'b', label: { x: 1 } }], /item 1: "label" must be/],
      [[{ id: 'a', label: null }], /item 0: "label" must be/],
      [[{ id: 'a', label: [1, [2]] }], /item 0: "label"\[1\]/],
      [[{ id: 'a', label: [] }], /item 0: "label" is an empty array/],
      [[{ id: 'a', lable: true }], /item 0: unknown field "lable"/],
      [[{ id: 'a', label: true }, { id: 'a', label: false }], /item 1: id "a" is also item 0/],
      [[{ id: 'a\u0000', label: true }], /U\+0000/],
      [['a'], /item 0: must be an object/],
      [[], /empty/],
      ['a', /feedback must be/],
    ];
    for (const [items, text] of cases) {
      const e = await rejects(feedback.send(items), 'INVALID_REQUEST', text);
      if (Array.isArray(items) && items.length > 0) assert.equal(typeof e.details?.['index'], 'number', e.message);
    }
    assert.equal((await log.labelled({ model: 'churn' })).items.length, 0);
  });

  it('refuses more than MAX_FEEDBACK_ITEMS in one call', async () => {
    const feedback = new FeedbackService(new MemoryPredictionLog(), () => T0);
    const items = Array.from({ length: MAX_FEEDBACK_ITEMS + 1 }, (_, i) => ({ id: `r${i}`, label: 1 }));
    await rejects(feedback.send(items), 'INVALID_REQUEST', /at most 10000/);
    assert.equal(await feedback.send(items.slice(1)), MAX_FEEDBACK_ITEMS);
  });
});
