import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TensorSpec } from '../core/inference/tensor.js';
import type { PredictionRecord } from '../core/monitoring/prediction-record.js';
import { MemoryPredictionLog } from '../storage/memory/memory-prediction-log.js';
import { stubRegistryStore as stubStore } from '../../test/helpers/stub-registry-store.js';
import { AccuracyService } from './accuracy-service.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

const CHURN_OUTPUTS: TensorSpec[] = [
  { name: 'probability', datatype: 'FP32', shape: [-1, 1] },
  { name: 'label', datatype: 'BOOL', shape: [-1, 1] },
];

function churn(id: string, at: number, p: number, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id,
    at,
    model: 'churn',
    version: 1,
    route: 'production',
    rows: 1,
    inputs: { instances: [[1, 2, 3, 4]] },
    outputs: { predictions: [{ probability: [p], label: [p > 0.5] }] },
    latencyMs: 2,
    status: 'ok',
    error: null,
    flags: [],
    ...over,
  };
}

describe('AccuracyService', () => {
  it('computes classification metrics of labelled predictions, per version', async () => {
    const log = new MemoryPredictionLog();
    await log.append([
      churn('a', T0, 0.9),
      churn('b', T0 + 1, 0.6),
      churn('c', T0 + 2, 0.4),
      churn('d', T0 + 3, 0.1),
      churn('e', T0 + 4, 0.8),
      churn('unlabelled', T0 + 5, 0.7),
      churn('v2', T0 + 6, 0.7, { version: 2 }),
    ]);
    await log.addFeedback(
      [['a', true], ['b', false], ['c', true], ['d', false], ['e', true], ['v2', true]].map(([id, label]) => ({ id: id as string, label, at: T0 + 100 })),
    );
    const service = new AccuracyService({ log, store: stubStore({ 1: CHURN_OUTPUTS, 2: CHURN_OUTPUTS }) });
    const report = await service.report({ model: 'churn', since: T0, until: T0 + HOUR });
    assert.equal(report.truncated, false);
    assert.deepEqual(report.versions.map((v) => v.version), [1, 2]);
    const v1 = report.versions[0]!;
    assert.equal(v1.task, 'classification');
    assert.equal(v1.positiveClass, 'true');
    assert.equal(v1.labelled, 5);
    assert.deepEqual(v1.metrics, { accuracy: 3 / 5, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, auc: 5 / 6 });
    assert.deepEqual(v1.windows, []);
    assert.equal(report.versions[1]!.labelled, 1);
    const only2 = await service.report({ model: 'churn', version: 2, since: T0, until: T0 + HOUR });
    assert.deepEqual(only2.versions.map((v) => v.version), [2]);
  });

  it('splits multi-row requests by their per-row labels and counts labels that do not fit as unusable', async () => {
    const log = new MemoryPredictionLog();
    const two = { predictions: [{ probability: [0.9], label: [true] }, { probability: [0.2], label: [false] }] };
    await log.append([
      churn('m', T0, 0, { rows: 2, outputs: two }),
      churn('bad-shape', T0 + 1, 0, { rows: 2, outputs: two }),
      churn('garbage', T0 + 2, 0, { outputs: { nothing: true } }),
    ]);
    await log.addFeedback([
      { id: 'm', label: [true, true], at: T0 },
      { id: 'bad-shape', label: true, at: T0 },
      { id: 'garbage', label: true, at: T0 },
    ]);
    const service = new AccuracyService({ log, store: stubStore({}) });
    const [v] = (await service.report({ model: 'churn', since: T0, until: T0 + HOUR })).versions;
    assert.equal(v?.labelled, 2);
    assert.equal(v?.unusable, 2);
    assert.equal(v?.metrics.accuracy, 1 / 2);
    assert.equal(v?.metrics.recall, 1 / 2);
  });

  it('chooses regression for numeric labels of a model without a class output', async () => {
    const log = new MemoryPredictionLog();
    const y = (id: string, at: number, value: number): PredictionRecord =>
      churn(id, at, 0, { model: 'price', outputs: { predictions: [[value]] } });
    await log.append([y('1', T0, 2.5), y('2', T0 + 1, 0), y('3', T0 + 2, 8)]);
    await log.addFeedback([
      { id: '1', label: 3, at: T0 },
      { id: '2', label: -0.5, at: T0 },
      { id: '3', label: 7, at: T0 },
    ]);
    const service = new AccuracyService({ log, store: stubStore({ 1: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }] }) });
    const [v] = (await service.report({ model: 'price', since: T0, until: T0 + HOUR })).versions;
    assert.equal(v?.task, 'regression');
    assert.deepEqual(v?.metrics, { mae: 2 / 3, rmse: Math.sqrt(1.5 / 3) });
  });

  it('reads integer class outputs through the signature, and takes integer labels as classes then', async () => {
    const log = new MemoryPredictionLog();
    const r = (id: string, cls: number): PredictionRecord => churn(id, T0, 0, { model: 'iris', outputs: { predictions: [[cls]] } });
    await log.append([r('1', 0), r('2', 2), r('3', 1)]);
    await log.addFeedback([
      { id: '1', label: 0, at: T0 },
      { id: '2', label: 2, at: T0 },
      { id: '3', label: 2, at: T0 },
    ]);
    const service = new AccuracyService({ log, store: stubStore({ 1: [{ name: 'label', datatype: 'INT64', shape: [-1, 1] }] }) });
    const [v] = (await service.report({ model: 'iris', since: T0, until: T0 + HOUR })).versions;
    assert.equal(v?.task, 'classification');
    assert.equal(v?.metrics.accuracy, 2 / 3);
    assert.equal(v?.positiveClass, '1');
  });

  it('reports every window of the range, aligned to the window, clipped to the range', async () => {
    const log = new MemoryPredictionLog();
    const start = T0 + 30 * 60_000; // half past midnight
    await log.append([churn('a', start, 0.9), churn('b', start + HOUR, 0.2), churn('c', start + HOUR + 1, 0.7)]);
    // Ground truth arrives after the predictions it labels.
    const labelled = start + 2 * HOUR;
    await log.addFeedback([
      { id: 'a', label: true, at: labelled },
      { id: 'b', label: false, at: labelled },
      { id: 'c', label: false, at: labelled },
    ]);
    const service = new AccuracyService({ log, store: stubStore({ 1: CHURN_OUTPUTS }) });
    const report = await service.report({ model: 'churn', since: start, until: start + 3 * HOUR, windowMs: HOUR });
    const windows = report.versions[0]!.windows;
    assert.deepEqual(
      windows.map((w) => [w.start - T0, w.end - T0, w.labelled, w.metrics.accuracy]),
      [
        [30 * 60_000, HOUR, 1, 1],
        [HOUR, 2 * HOUR, 2, 1 / 2],
        [2 * HOUR, 3 * HOUR, 0, null],
        [3 * HOUR, 3 * HOUR + 30 * 60_000, 0, null],
      ],
    );
    // Windows share the version's plan: the positive class is fixed even in a window with one class.
    assert.equal(windows[0]!.metrics.precision, 1);
    assert.equal(windows[0]!.metrics.auc, null);
  });

  it('reads at most maxPredictions, newest first, and says so', async () => {
    const log = new MemoryPredictionLog();
    const records = Array.from({ length: 25 }, (_, i) => churn(`r${i}`, T0 + i, i % 2 === 0 ? 0.9 : 0.1));
    await log.append(records);
    await log.addFeedback(records.map((r) => ({ id: r.id, label: true, at: T0 })));
    const service = new AccuracyService({ log, store: stubStore({ 1: CHURN_OUTPUTS }), maxPredictions: 10, pageSize: 4 });
    const report = await service.report({ model: 'churn', since: T0, until: T0 + HOUR });
    assert.equal(report.truncated, true);
    assert.equal(report.versions[0]!.labelled, 10);
    const all = await new AccuracyService({ log, store: stubStore({ 1: CHURN_OUTPUTS }), pageSize: 4 }).report({ model: 'churn', since: T0, until: T0 + HOUR });
    assert.equal(all.truncated, false);
    assert.equal(all.versions[0]!.labelled, 25);
  });

  it('refuses an empty range and too many windows; metric() answers one number or null', async () => {
    const log = new MemoryPredictionLog();
    const service = new AccuracyService({ log, store: stubStore({}), maxWindows: 10 });
    await assert.rejects(service.report({ model: 'churn', since: T0, until: T0 }), /start before it ends/);
    await assert.rejects(service.report({ model: 'churn', since: T0, until: T0 + 11 * HOUR, windowMs: HOUR }), /at most 10/);
    assert.equal(await service.metric('churn', 1, T0, T0 + HOUR, 'accuracy'), null);
    await log.append([churn('a', T0, 0.9)]);
    await log.addFeedback([{ id: 'a', label: true, at: T0 }]);
    assert.equal(await service.metric('churn', 1, T0, T0 + HOUR, 'accuracy'), 1);
    assert.equal(await service.metric('churn', 1, T0, T0 + HOUR, 'mae'), null);
  });
});
