import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FeatureSignature } from '../core/features/feature-spec.js';
import { MooringError } from '../core/errors.js';
import type { PredictionRecord } from '../core/monitoring/prediction-record.js';
import { profileTable } from '../core/profile/profiler.js';
import type { VersionProfile } from '../core/profile/types.js';
import { mulberry32, normal } from '../core/random.js';
import type { ModelRef } from '../core/registry/names.js';
import type { ModelVersion } from '../core/registry/types.js';
import { openPredictionLog } from '../storage/backends.js';
import type { PredictionLog, PredictionQuery } from '../storage/prediction-log.js';
import { driftTest } from '../core/monitoring/drift/select.js';
import { DriftService } from './drift-service.js';
import type { DriftRegistry } from './drift-service.js';

/**
 * The drift service over a real prediction log (memory and SQLite) and a synthetic model: age (numerical), plan
 * (one-hot over basic/pro), region (index over eu/us); outputs probability = sigmoid((age - 40) / 10) and label
 * = probability > 0.5.
 */

const FEATURES: FeatureSignature = {
  input: 'x',
  features: [
    { name: 'age', type: 'numerical', encoding: { kind: 'value' } },
    { name: 'plan', type: 'categorical', encoding: { kind: 'onehot', categories: ['basic', 'pro'] } },
    { name: 'region', type: 'categorical', encoding: { kind: 'index', categories: ['eu', 'us'] } },
  ],
};

interface Row {
  age: number;
  plan: string;
  region: string;
}

const sigmoid = (age: number): number => 1 / (1 + Math.exp(-(age - 40) / 10));

/** `n` customers; `shifted` ones are 15 years older and mostly on the pro plan. */
function customers(n: number, seed: number, shifted = false): Row[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => ({
    age: Math.round((40 + (shifted ? 15 : 0) + 10 * normal(random)) * 10) / 10,
    plan: random() < (shifted ? 0.8 : 0.3) ? 'pro' : 'basic',
    region: random() < 0.5 ? 'eu' : 'us',
  }));
}

function profileOf(rows: readonly Row[]): VersionProfile {
  const features = profileTable({
    rows: rows.length,
    columns: [
      { name: 'age', kind: 'number', values: rows.map((r) => r.age) },
      { name: 'plan', kind: 'string', values: rows.map((r) => r.plan) },
      { name: 'region', kind: 'string', values: rows.map((r) => r.region) },
    ],
  });
  const outputs = profileTable(
    {
      rows: rows.length,
      columns: [
        { name: 'probability', kind: 'number', values: rows.map((r) => sigmoid(r.age)) },
        { name: 'label', kind: 'boolean', values: rows.map((r) => sigmoid(r.age) > 0.5) },
      ],
    },
    { categorical: ['label'] },
  );
  return { format: 1, createdAt: 0, source: 'test', rows: rows.length, features, target: null, outputs };
}

function version(name: string, v: number, hasProfile: boolean): ModelVersion {
  return {
    name,
    version: v,
    artifact: { sha256: 'a'.repeat(64), sizeBytes: 1, format: 'onnx' },
    signature: {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'probability', datatype: 'FP32', shape: [-1, 1] },
        { name: 'label', datatype: 'BOOL', shape: [-1, 1] },
      ],
    },
    metrics: {},
    params: {},
    tags: {},
    datasetVersion: null,
    trainedAt: null,
    description: null,
    source: null,
    createdAt: 0,
    createdBy: 'test',
    features: hasProfile ? FEATURES : null,
    hasProfile,
  };
}

/** A registry of `churn` v1 (small reference: 500 rows), v2 (large: 3000 rows, production) and v3 (no profile). */
function registry(): DriftRegistry {
  const profiles = new Map([
    [1, profileOf(customers(500, 1))],
    [2, profileOf(customers(3000, 2))],
  ]);
  const versions = new Map([
    [1, version('churn', 1, true)],
    [2, version('churn', 2, true)],
    [3, version('churn', 3, false)],
  ]);
  return {
    async resolve(ref: ModelRef) {
      if (ref.name !== 'churn') throw new MooringError('MODEL_NOT_FOUND', 'no model');
      const s = ref.selector;
      const n = s.kind === 'version' ? s.version : s.kind === 'latest' ? 3 : s.alias === 'production' ? 2 : undefined;
      const v = n === undefined ? undefined : versions.get(n);
      if (!v) throw new MooringError(s.kind === 'alias' ? 'ALIAS_NOT_FOUND' : 'VERSION_NOT_FOUND', 'not found');
      return v;
    },
    store: { getProfile: async (_name: string, v: number) => profiles.get(v) ?? null },
  };
}

let ids = 0;
/** One logged records prediction per row, at `start`, `start + 1`, ... */
function records(rows: readonly Row[], v: number, start: number): PredictionRecord[] {
  return rows.map((r, i) => {
    const p = sigmoid(r.age);
    return {
      id: `r${++ids}`,
      at: start + i,
      model: 'churn',
      version: v,
      route: 'production',
      rows: 1,
      inputs: { instances: [r] },
      outputs: { predictions: [{ probability: [p], label: [p > 0.5] }], model_name: 'churn', model_version: String(v) },
      latencyMs: 1,
      status: 'ok',
      error: null,
      flags: [],
    };
  });
}

/** Wraps a log to count the pages read (how many scans the cache saved). */
function counting(log: PredictionLog): { log: PredictionLog; pages: () => number } {
  let pages = 0;
  const wrapped = Object.create(log) as PredictionLog;
  wrapped.query = (q: PredictionQuery) => {
    pages++;
    return log.query(q);
  };
  return { log: wrapped, pages: () => pages };
}

const T0 = Date.UTC(2025, 0, 1);
const SHIFT_AT = T0 + 10_000;

for (const url of ['memory:', 'sqlite::memory:']) {
  describe(`drift service over ${url}`, async () => {
    const log = await openPredictionLog(url);
    await log.migrate();
    // v1 and v2: 400 normal predictions, then (from SHIFT_AT) 400 shifted ones; one failed prediction.
    for (const v of [1, 2]) {
      await log.append(records(customers(400, 10 + v), v, T0));
      await log.append(records(customers(400, 20 + v, true), v, SHIFT_AT));
    }
    await log.append([{ ...records(customers(1, 99), 2, T0 + 5000)[0]!, status: 'error', error: 'X', outputs: null }]);
    let now = SHIFT_AT + 1000;
    const service = new DriftService({ registry: registry(), log, clock: () => now, pageSize: 97 });
    after(() => log.close());

    it('finds no drift in traffic like the training data (small reference: KS, Z tests)', async () => {
      const r = await service.report({ model: 'churn', version: 1, since: T0, until: SHIFT_AT });
      assert.equal(r.model, 'churn');
      assert.equal(r.version, 1);
      assert.equal(r.reference_rows, 500);
      assert.equal(r.current_rows, 400);
      assert.deepEqual(
        r.columns.map((c) => [c.name, c.kind, c.type, c.method, c.drift]),
        [
          ['age', 'feature', 'numerical', 'ks', false],
          ['plan', 'feature', 'categorical', 'ztest', false],
          ['region', 'feature', 'categorical', 'ztest', false],
          ['probability', 'prediction', 'numerical', 'ks', false],
          ['label', 'prediction', 'categorical', 'ztest', false],
        ],
      );
      for (const c of r.columns) {
        assert.ok(c.p_value !== null && c.p_value > 0.05, `${c.name} p ${c.p_value}`);
        assert.equal(c.threshold, 0.05);
      }
      assert.equal(r.dataset_drift, false);
      assert.equal(r.drift_share, 0);
    });

    it('finds drift in shifted traffic, and dataset drift when most features drift', async () => {
      const r = await service.report({ model: 'churn', version: 1, since: SHIFT_AT });
      assert.equal(r.current_rows, 400);
      const drift = Object.fromEntries(r.columns.map((c) => [c.name, c.drift]));
      assert.deepEqual(drift, { age: true, plan: true, region: false, probability: true, label: true });
      assert.ok(Math.abs(r.drift_share - 2 / 3) < 1e-15);
      assert.equal(r.dataset_drift, true);
    });

    it('uses the large-reference defaults (Wasserstein, Jensen-Shannon) and resolves production', async () => {
      const calm = await service.report({ model: 'churn', since: T0, until: SHIFT_AT });
      assert.equal(calm.version, 2);
      assert.equal(calm.reference_rows, 3000);
      assert.deepEqual(calm.columns.map((c) => [c.method, c.threshold, c.p_value]), [
        ['wasserstein', 0.1, null],
        ['jensenshannon', 0.1, null],
        ['jensenshannon', 0.1, null],
        ['wasserstein', 0.1, null],
        ['jensenshannon', 0.1, null],
      ]);
      assert.equal(calm.dataset_drift, false);
      const shifted = await service.report({ model: 'churn', version: '2', last: 400 });
      assert.equal(shifted.dataset_drift, true);
      assert.deepEqual(shifted.columns.filter((c) => c.drift).map((c) => c.name), ['age', 'plan', 'probability', 'label']);
    });

    it('computes exactly what the statistics give on the reference sample and the window', async () => {
      const r = await service.report({ model: 'churn', version: 1, since: SHIFT_AT });
      const reference = profileOf(customers(500, 1)).features.columns[0]!;
      assert.equal(reference.type, 'numerical');
      const expected = driftTest('ks', reference.type === 'numerical' ? reference.sample : [], customers(400, 21, true).map((c) => c.age), 'numerical');
      assert.equal(r.columns[0]!.statistic, expected.statistic);
      assert.equal(r.columns[0]!.p_value, expected.p_value);
    });

    it('counts `last` in predictions, newest first, and `since`/`until` in time', async () => {
      const last = await service.report({ model: 'churn', version: 1, last: 500 });
      assert.equal(last.current_rows, 500, '400 shifted + the newest 100 normal ones');
      const sinceShift = await service.report({ model: 'churn', version: 1, since: SHIFT_AT });
      const lastShift = await service.report({ model: 'churn', version: 1, last: 400 });
      assert.deepEqual(lastShift, sinceShift, 'the same 400 predictions, the same report');
      const trailing = await service.report({ model: 'churn', version: 1, windowMs: 2000 });
      assert.equal(trailing.current_rows, 400, 'the 400 shifted ones lie in the last 2 s before now');
      const all = await service.report({ model: 'churn', version: 1, since: 0 });
      assert.equal(all.current_rows, 800, 'failed predictions are not part of a window');
    });

    it('forces one method on every column; KS on a categorical column keeps its default test', async () => {
      const psi = await service.report({ model: 'churn', version: 1, since: SHIFT_AT, method: 'psi' });
      assert.deepEqual(psi.columns.map((c) => c.method), ['psi', 'psi', 'psi', 'psi', 'psi']);
      assert.ok(psi.columns.every((c) => c.p_value === null && c.threshold === 0.1));
      const ks = await service.report({ model: 'churn', version: 2, since: SHIFT_AT, method: 'ks' });
      assert.deepEqual(ks.columns.map((c) => c.method), ['ks', 'jensenshannon', 'jensenshannon', 'ks', 'jensenshannon']);
    });

    it('reports columns without current data as untested', async () => {
      const r = await service.report({ model: 'churn', version: 1, since: T0 + 100_000 });
      assert.equal(r.current_rows, 0);
      assert.equal(r.dataset_drift, false);
      assert.equal(r.drift_share, 0);
      for (const c of r.columns) {
        assert.equal(c.statistic, null);
        assert.equal(c.p_value, null);
        assert.equal(c.drift, false);
      }
      assert.equal(r.columns[0]!.method, 'ks', 'the method that would run is still named');
    });

    it('refuses a version without a profile, unknown names and muddled windows', async () => {
      await assert.rejects(service.report({ model: 'churn', version: 3 }), (e: MooringError) => {
        assert.equal(e.code, 'PROFILE_NOT_FOUND');
        assert.match(e.message, /registered without reference data/);
        return true;
      });
      await assert.rejects(service.report({ model: 'nope' }), { code: 'MODEL_NOT_FOUND' });
      await assert.rejects(service.report({ model: 'churn', since: 1, last: 5 }), { code: 'INVALID_REQUEST' });
      await assert.rejects(service.report({ model: 'churn', since: 1, windowMs: 5 }), { code: 'INVALID_REQUEST' });
      await assert.rejects(service.report({ model: 'churn', last: 0 }), { code: 'INVALID_REQUEST' });
      await assert.rejects(service.report({ model: 'churn', method: 'magic' as 'ks' }), { code: 'INVALID_REQUEST' });
    });

    it('answers the drift signals, null where there is nothing to say', async () => {
      const w = { model: 'churn', windowMs: 2000 };
      const share = await service.driftShare(w);
      assert.ok(share !== null && Math.abs(share - 2 / 3) < 1e-15, 'age and plan of the three features');
      const age = await service.columnDrift(w, 'age');
      const report = await service.report({ model: 'churn', windowMs: 2000 });
      assert.equal(age, report.columns[0]!.statistic);
      assert.equal(await service.predictionShift(w), report.columns[3]!.statistic);
      assert.equal(await service.columnDrift(w, 'no-such-column'), null);
      assert.equal(await service.driftShare({ model: 'churn', version: 3, windowMs: 2000 }), null, 'no profile');
      assert.equal(await service.driftShare({ model: 'churn', windowMs: 1 }), null, 'no rows');
      await assert.rejects(service.driftShare({ model: 'nope', windowMs: 1000 }), { code: 'MODEL_NOT_FOUND' });
    });

    it('reuses a report for the cache TTL, then scans again', async () => {
      const c = counting(log);
      let t = SHIFT_AT + 1000;
      const s = new DriftService({ registry: registry(), log: c.log, clock: () => t, cacheTtlMs: 10_000 });
      const w = { model: 'churn', windowMs: 60_000 };
      await Promise.all([s.driftShare(w), s.columnDrift(w, 'age'), s.predictionShift(w)]);
      const first = c.pages();
      assert.ok(first > 0);
      await s.driftShare(w);
      assert.equal(c.pages(), first, 'fresh: no scan');
      t += 10_001;
      await s.driftShare(w);
      assert.ok(c.pages() > first, 'stale: scanned again');
      const off = new DriftService({ registry: registry(), log: c.log, clock: () => t, cacheTtlMs: 0 });
      const before = c.pages();
      await off.driftShare(w);
      const one = c.pages() - before;
      await off.driftShare(w);
      assert.equal(c.pages() - before, 2 * one, 'without a cache every call scans');
    });

    it('counts every row of a prediction that carries several', async () => {
      const multi = await openPredictionLog('memory:');
      const [a, b] = customers(2, 5);
      const [rec] = records([a!], 1, T0);
      await multi.append([{ ...rec!, rows: 2, inputs: { instances: [a, b] }, outputs: { predictions: [{ probability: [0.1], label: [false] }, { probability: [0.2], label: [false] }] } }]);
      const s = new DriftService({ registry: registry(), log: multi, clock: () => T0 + 10 });
      const r = await s.report({ model: 'churn', version: 1, last: 1 });
      assert.equal(r.current_rows, 2);
      await multi.close();
    });

    it('renders the HTML report from the same analysis', async () => {
      now = SHIFT_AT + 1000;
      const html = await service.html({ model: 'churn', version: 1, last: 400 });
      assert.match(html, /^<!doctype html>/);
      assert.match(html, /Drift report: churn version 1/);
      assert.equal((html.match(/<svg /g) ?? []).length, 5);
      assert.match(html, /the last 400 predictions before now/);
    });
  });
}
