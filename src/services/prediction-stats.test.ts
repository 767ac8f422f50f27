import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PredictionRecord } from '../core/monitoring/prediction-record.js';
import { quantileSorted } from '../core/profile/quantiles.js';
import { mulberry32 } from '../core/random.js';
import { MemoryPredictionLog } from '../storage/memory/memory-prediction-log.js';
import { stubRegistryStore } from '../../test/helpers/stub-registry-store.js';
import { AccuracyService } from './accuracy-service.js';
import { LogModelSignals, PredictionStats } from './prediction-stats.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

function rec(id: string, at: number, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id,
    at,
    model: 'churn',
    version: 1,
    route: 'production',
    rows: 1,
    inputs: { instances: [[1, 2, 3, 4]] },
    outputs: { predictions: [{ probability: [0.9], label: [true] }] },
    latencyMs: 1,
    status: 'ok',
    error: null,
    flags: [],
    ...over,
  };
}

const failed = { status: 'error', error: 'INFERENCE_FAILED', outputs: null } as const;

describe('PredictionStats.errorRate', () => {
  it('is the share of failed requests in the range (exact counts), per model or version', async () => {
    const log = new MemoryPredictionLog();
    await log.append([
      rec('1', T0),
      rec('2', T0 + 1, failed),
      rec('3', T0 + 2),
      rec('4', T0 + 3, { ...failed, version: 2 }),
      rec('old', T0 - 1, failed),
      rec('other', T0, { ...failed, model: 'other' }),
    ]);
    const stats = new PredictionStats({ log });
    assert.deepEqual(await stats.errorRate({ model: 'churn', since: T0 }), { requests: 4, errors: 2, rate: 0.5 });
    assert.deepEqual(await stats.errorRate({ model: 'churn', version: 1, since: T0 }), { requests: 3, errors: 1, rate: 1 / 3 });
    assert.deepEqual(await stats.errorRate({ model: 'churn', since: T0, until: T0 + 2 }), { requests: 2, errors: 1, rate: 0.5 });
    assert.deepEqual(await stats.errorRate({ model: 'none', since: T0 }), { requests: 0, errors: 0, rate: null });
  });
});

describe('PredictionStats.latency', () => {
  it('is exact (numpy linear quantile) when the range holds at most sampleSize predictions', async () => {
    const log = new MemoryPredictionLog();
    const latencies = Array.from({ length: 250 }, (_, i) => ((i * 37) % 250) + 0.5);
    await log.append(latencies.map((l, i) => rec(`r${i}`, T0 + i, { latencyMs: l, ...(i % 10 === 0 ? failed : {}) })));
    const stats = new PredictionStats({ log, pageSize: 60 });
    const p99 = await stats.latency({ model: 'churn', since: T0 });
    const sorted = [...latencies].sort((a, b) => a - b);
    assert.deepEqual(p99, { requests: 250, sampled: 250, exact: true, value: quantileSorted(sorted, 0.99) });
    // 0.99 * 249 = 246.51 -> between the 247th and 248th smallest: 246.5 + 0.51
    assert.ok(Math.abs(p99.value! - 247.01) < 1e-9);
    assert.equal((await stats.latency({ model: 'churn', since: T0 }, 0.5)).value, quantileSorted(sorted, 0.5));
    assert.deepEqual(await stats.latency({ model: 'none', since: T0 }), { requests: 0, sampled: 0, exact: true, value: null });
  });

  it('keeps a seeded reservoir past sampleSize: the same log gives the same answer, near the true one', async () => {
    const log = new MemoryPredictionLog();
    const random = mulberry32(42);
    const latencies = Array.from({ length: 3000 }, () => random() * 100);
    await log.append(latencies.map((l, i) => rec(`r${i}`, T0 + i, { latencyMs: l })));
    const stats = new PredictionStats({ log, sampleSize: 1000, pageSize: 500 });
    const a = await stats.latency({ model: 'churn', since: T0 });
    const b = await stats.latency({ model: 'churn', since: T0 });
    assert.equal(a.requests, 3000);
    assert.equal(a.sampled, 1000);
    assert.equal(a.exact, false);
    assert.equal(a.value, b.value);
    assert.ok(Math.abs(a.value! - 99) < 2, String(a.value));
  });

  it('stops at maxScan, newest first', async () => {
    const log = new MemoryPredictionLog();
    await log.append(Array.from({ length: 30 }, (_, i) => rec(`r${i}`, T0 + i, { latencyMs: i })));
    const stats = new PredictionStats({ log, maxScan: 10, pageSize: 4 });
    const r = await stats.latency({ model: 'churn', since: T0 }, 0);
    assert.deepEqual(r, { requests: 10, sampled: 10, exact: false, value: 20 });
  });
});

describe('LogModelSignals', () => {
  it('answers over a trailing window of the production version, and null without one', async () => {
    const log = new MemoryPredictionLog();
    const now = T0 + 60 * MINUTE;
    await log.append([
      rec('in-1', now - 10 * MINUTE, { latencyMs: 4 }),
      rec('in-2', now - 5 * MINUTE, { ...failed, latencyMs: 8 }),
      rec('v2', now - 5 * MINUTE, { version: 2, latencyMs: 100 }),
      rec('too-old', now - 20 * MINUTE, { ...failed, latencyMs: 1000 }),
    ]);
    await log.addFeedback([{ id: 'in-1', label: false, at: now }]);
    const clock = () => now;
    const store = stubRegistryStore({}, 1);
    const stats = new PredictionStats({ log, clock });
    const accuracy = new AccuracyService({ log, store, clock });
    const signals = new LogModelSignals({ stats, accuracy, store, clock });
    const w = { model: 'churn', windowMs: 15 * MINUTE };
    assert.equal(await signals.errorRate(w), 0.5);
    assert.equal(await signals.latencyP99Ms(w), quantileSorted([4, 8], 0.99));
    assert.equal(await signals.accuracy(w, 'accuracy'), 0);
    assert.equal(await signals.errorRate({ ...w, version: 2 }), 0);
    assert.equal(await signals.latencyP99Ms({ ...w, version: 2 }), 100);
    assert.equal(await signals.accuracy({ ...w, version: 2 }, 'accuracy'), null);
    assert.equal(await signals.driftShare(w), null);

    const none = new LogModelSignals({ stats, accuracy, store: stubRegistryStore({}), clock });
    assert.equal(await none.errorRate(w), null);
    assert.equal(await none.accuracy(w, 'auc'), null);
  });

  it('delegates the drift signals', async () => {
    const log = new MemoryPredictionLog();
    const store = stubRegistryStore({}, 1);
    const drift = {
      driftShare: async () => 0.25,
      columnDrift: async (_w: unknown, column: string) => (column === 'x' ? 0.5 : null),
      predictionShift: async () => 0.125,
    };
    const signals = new LogModelSignals({ stats: new PredictionStats({ log }), accuracy: new AccuracyService({ log, store }), store, drift });
    const w = { model: 'churn', windowMs: MINUTE };
    assert.equal(await signals.driftShare(w), 0.25);
    assert.equal(await signals.columnDrift(w, 'x'), 0.5);
    assert.equal(await signals.predictionShift(w), 0.125);
  });
});
