/**
 * Drift end to end: a linear model registered with reference data (age numerical, plan one-hot, region index)
 * answers normal traffic on the records endpoint, then shifted traffic; the prediction log is flushed and
 * `GET /api/models/{name}/drift` reports no drift for the first window and drift for the second, per column and
 * for the dataset. Also the HTML form, the admin token, the query checks and a version without a profile.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DriftReport } from '../../src/protocol/admin/drift-dto.js';
import { OnnxModelRuntime } from '../../src/runtime/onnx/onnx-model-runtime.js';
import { buildReferenceProfile } from '../../src/services/reference-profile.js';
import { linearModel } from '../fixtures/models.js';
import { openTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { driftReference, driftTraffic } from '../helpers/drift-data.js';

describe('drift over HTTP', () => {
  let t: TestApp;
  let calmUntil: number;

  before(async () => {
    t = await openTestApp();
    const model = linearModel();
    const { features, profile } = await buildReferenceProfile(new OnnxModelRuntime(), model.bytes, driftReference(600), {
      features: [{ name: 'age' }, { name: 'plan', encoding: 'onehot' }, { name: 'region', encoding: 'index' }],
      source: 'test',
      now: 0,
    });
    await t.register('cust', model.bytes, { alias: 'production', features, profile });
    await t.register('plain', model.bytes, { alias: 'production' });

    // 40 requests of 10 customers like the training data, then 40 of shifted ones (older, mostly pro).
    for (const batch of driftTraffic(40, 10, 7, false)) {
      const res = await t.post('/v1/models/cust:predict', { instances: batch });
      assert.equal(res.status, 200, res.text);
    }
    assert.equal(await t.ctx.predictions!.flush(), true);
    calmUntil = Date.now() + 1;
    // Strictly later than every calm prediction, so `until` splits the two windows.
    while (Date.now() <= calmUntil) await new Promise((r) => setTimeout(r, 2));
    for (const batch of driftTraffic(40, 10, 8, true)) {
      const res = await t.post('/v1/models/cust:predict', { instances: batch });
      assert.equal(res.status, 200, res.text);
    }
    await t.ctx.predictions!.flush();
  });
  after(() => t?.close());

  it('finds no drift in the window of normal traffic', async () => {
    const res = await t.admin<DriftReport>('GET', `/api/models/cust/drift?since=0&until=${calmUntil}`);
    assert.equal(res.status, 200, res.text);
    const r = res.body;
    assert.deepEqual([r.model, r.version, r.reference_rows, r.current_rows], ['cust', 1, 600, 400]);
    assert.deepEqual(
      r.columns.map((c) => [c.name, c.kind, c.type, c.method]),
      [
        ['age', 'feature', 'numerical', 'ks'],
        ['plan', 'feature', 'categorical', 'ztest'],
        ['region', 'feature', 'categorical', 'ztest'],
        ['y', 'prediction', 'numerical', 'ks'],
      ],
    );
    assert.deepEqual(r.columns.map((c) => c.drift), [false, false, false, false], res.text);
    assert.equal(r.dataset_drift, false);
    assert.equal(r.drift_share, 0);
  });

  it('finds drift in the window of shifted traffic', async () => {
    const res = await t.admin<DriftReport>('GET', '/api/models/cust/drift?last=40');
    assert.equal(res.status, 200, res.text);
    const r = res.body;
    assert.equal(r.current_rows, 400);
    const drift = Object.fromEntries(r.columns.map((c) => [c.name, c.drift]));
    assert.deepEqual(drift, { age: true, plan: true, region: false, y: true }, res.text);
    assert.equal(r.dataset_drift, true);
    assert.ok(Math.abs(r.drift_share - 2 / 3) < 1e-12);
    const since = await t.admin<DriftReport>('GET', `/api/models/cust/drift?since=${calmUntil}&version=1`);
    assert.deepEqual(since.body, r, 'the same 40 predictions by time');
  });

  it('forces a method and answers HTML on request', async () => {
    const forced = await t.admin<DriftReport>('GET', '/api/models/cust/drift?last=40&method=psi');
    assert.deepEqual(forced.body.columns.map((c) => c.method), ['psi', 'psi', 'psi', 'psi']);
    const page = await t.adminInject({ method: 'GET', url: '/api/models/cust/drift?last=40&format=html' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /^<!doctype html>/);
    assert.equal((page.body.match(/<svg /g) ?? []).length, 4);
  });

  it('needs the admin token, checks the query, and names a version without reference data', async () => {
    const anonymous = await t.inject({ method: 'GET', url: '/api/models/cust/drift' });
    assert.equal(anonymous.statusCode, 401);
    for (const q of ['last=0', 'method=magic', 'since=yesterday', 'since=1h&last=5', 'colour=red']) {
      const res = await t.admin('GET', `/api/models/cust/drift?${q}`);
      assert.equal(res.status, 400, `${q}: ${res.text}`);
      assert.ok(['INVALID_REQUEST', 'INVALID_TIME'].includes(res.body.code), `${q}: ${res.text}`);
    }
    const plain = await t.admin('GET', '/api/models/plain/drift');
    assert.equal(plain.status, 404);
    assert.equal(plain.body.code, 'PROFILE_NOT_FOUND');
    assert.match(plain.body.error, /registered without reference data/);
    assert.equal((await t.admin('GET', '/api/models/nope/drift')).body.code, 'MODEL_NOT_FOUND');
  });

  it('answers a trailing window given as a duration', async () => {
    const res = await t.admin<DriftReport>('GET', '/api/models/cust/drift?since=1h');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.current_rows, 800);
  });
});
