import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Table } from '../../src/core/profile/table.js';
import { OnnxModelRuntime } from '../../src/runtime/onnx/onnx-model-runtime.js';
import { buildReferenceProfile } from '../../src/services/reference-profile.js';
import { linearModel } from '../fixtures/models.js';
import { close, openTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';

/**
 * Input validation end to end: a linear model registered with reference data gets named features (age numerical,
 * plan one-hot over 2 categories, region index-encoded), and every check and policy is exercised through both
 * inference endpoints, the deployment API and /metrics.
 */

const model = linearModel(); // y = x · [0.5, -1.25, 2, 0.75] + 0.125

/** 200 customers: age 18-90, plan basic/pro, region eu/us, and a target column. */
function reference(): Table {
  const n = 200;
  const idx = Array.from({ length: n }, (_, i) => i);
  return {
    rows: n,
    columns: [
      { name: 'age', kind: 'number', values: idx.map((i) => 18 + ((i * 37) % 73)) },
      { name: 'plan', kind: 'string', values: idx.map((i) => (i % 3 === 0 ? 'pro' : 'basic')) },
      { name: 'region', kind: 'string', values: idx.map((i) => (i % 2 === 0 ? 'eu' : 'us')) },
      { name: 'churned', kind: 'boolean', values: idx.map((i) => i % 5 === 0) },
    ],
  };
}

/** What the model answers for a record: plan one-hot [basic, pro], region index (eu 0, us 1). */
function expected(r: { age: number; plan: string; region: string }): number {
  const x = [r.age, r.plan === 'basic' ? 1 : 0, r.plan === 'pro' ? 1 : 0, r.region === 'us' ? 1 : r.region === 'eu' ? 0 : -1];
  return x.reduce((s, v, i) => s + v * model.weights[i]!, model.bias);
}

describe('input validation over HTTP', () => {
  let t: TestApp;

  before(async () => {
    t = await openTestApp();
    const { features, profile } = await buildReferenceProfile(new OnnxModelRuntime(), model.bytes, reference(), {
      target: 'churned',
      features: [{ name: 'age' }, { name: 'plan', encoding: 'onehot' }, { name: 'region', encoding: 'index' }],
      source: 'test',
      now: 0,
    });
    assert.deepEqual(
      features.features.map((f) => [f.name, f.encoding.kind]),
      [
        ['age', 'value'],
        ['plan', 'onehot'],
        ['region', 'index'],
      ],
    );
    await t.register('cust', model.bytes, { alias: 'production', features, profile });
  });
  after(() => t?.close());

  it('packs records by feature name exactly as the model was trained', async () => {
    const rec = { age: 41, plan: 'pro', region: 'us' };
    const res = await t.post('/v1/models/cust:predict', { instances: [rec, { region: 'eu', plan: 'basic', age: 18 }] });
    assert.equal(res.status, 200, res.text);
    assert.ok(close(res.body.predictions[0][0], expected(rec)));
    assert.ok(close(res.body.predictions[1][0], expected({ age: 18, plan: 'basic', region: 'eu' })));
    assert.equal(res.body.warnings, undefined);
    assert.equal(res.headers['x-mooring-warnings'], undefined);
  });

  it('still takes rows already packed, checking them against the same features', async () => {
    const res = await t.post('/v1/models/cust:predict', { instances: [[41, 0, 1, 1]] });
    assert.equal(res.status, 200, res.text);
    assert.ok(close(res.body.predictions[0][0], expected({ age: 41, plan: 'pro', region: 'us' })));
  });

  it('refuses schema problems with 422 and every {row, field, problem}', async () => {
    const res = await t.post('/v1/models/cust:predict', {
      instances: [{ age: '41', plan: 'pro', region: 'us' }, { plan: 'pro', region: 'us', agee: 41 }, { age: null, plan: ['x'], region: 'us' }],
    });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      res.body.details.problems.map((p: { row: number; field: string; problem: string }) => [p.row, p.field, p.problem]),
      [
        [0, 'age', 'wrong_type'],
        [1, 'age', 'missing'],
        [1, 'agee', 'unknown_field'],
        [2, 'age', 'null'],
        [2, 'plan', 'wrong_type'],
      ],
    );
  });

  it('flags out-of-range values and unseen categories by default: served, with warnings', async () => {
    const rec = { age: 200, plan: 'enterprise', region: 'apac' };
    const res = await t.post('/v1/models/cust:predict', { instances: [rec] });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-mooring-warnings'], '3');
    assert.deepEqual(
      res.body.warnings.map((w: { field: string; problem: string }) => [w.field, w.problem]),
      [
        ['age', 'out_of_range'],
        ['plan', 'unseen_category'],
        ['region', 'unseen_category'],
      ],
    );
    // Unseen categories are encoded as unseen: no one-hot column set, index -1.
    assert.ok(close(res.body.predictions[0][0], expected(rec)));
  });

  it('flags a v2 tensor the same way, with a spec-conforming parameter', async () => {
    const res = await t.post('/v2/models/cust/infer', {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], data: [41, 0, 1, 1, 500, 1, 0, 0] }],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.parameters.out_of_distribution, true);
    assert.deepEqual(res.body.warnings.map((w: { row: number; field: string }) => [w.row, w.field]), [[1, 'age']]);
  });

  it('records flagged predictions in the prediction log with the out_of_distribution flag', async () => {
    const body = { instances: [{ age: 300, plan: 'pro', region: 'us' }] };
    const res = await t.post('/v1/models/cust:predict', body);
    assert.equal(res.status, 200);
    await t.ctx.predictions!.flush();
    const page = await t.ctx.predictionLog.query({ model: 'cust', flag: 'out_of_distribution' });
    const logged = page.items.find((p) => p.id === res.headers['x-request-id']);
    assert.ok(logged, 'the flagged prediction is in the log');
    assert.deepEqual(logged.inputs, body);
    assert.deepEqual(logged.flags, ['out_of_distribution']);
    assert.equal(logged.route, 'production');
    assert.equal(logged.version, 1);
    assert.deepEqual((logged.outputs as { predictions: unknown[] }).predictions, res.body.predictions);
    const clean = await t.ctx.predictionLog.query({ model: 'cust' });
    assert.ok(clean.items.some((p) => p.flags.length === 0), 'clean predictions are logged without flags');
  });

  it('counts flags and rejections in /metrics', async () => {
    const res = await t.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /mooring_validation_requests_total\{model="cust",version="1",outcome="flagged"\} [1-9]/);
    assert.match(res.body, /mooring_validation_requests_total\{model="cust",version="1",outcome="rejected"\} [1-9]/);
    assert.match(res.body, /mooring_validation_problems_total\{model="cust",version="1",problem="unseen_category"\} [1-9]/);
  });

  it('rejects anomalies once the deployment policy says so, and serves them again when it is switched off', async () => {
    const set = await t.admin('PUT', '/api/models/cust/deployment', { policy: { validation: { anomalies: 'reject' } }, reason: 'strict' });
    assert.equal(set.status, 200, set.text);
    const rejected = await t.post('/v1/models/cust:predict', { instances: [{ age: 200, plan: 'pro', region: 'us' }] });
    assert.equal(rejected.status, 422, rejected.text);
    assert.equal(rejected.body.details.problems[0].problem, 'out_of_range');

    const off = await t.admin('PUT', '/api/models/cust/deployment', { policy: { validation: { anomalies: 'off' } } });
    assert.equal(off.status, 200, off.text);
    const served = await t.post('/v1/models/cust:predict', { instances: [{ age: 200, plan: 'pro', region: 'us' }] });
    assert.equal(served.status, 200, served.text);
    assert.equal(served.body.warnings, undefined);
    // Schema problems are refused whatever the anomaly policy.
    const bad = await t.post('/v1/models/cust:predict', { instances: [{ age: 'old', plan: 'pro', region: 'us' }] });
    assert.equal(bad.status, 422);
  });

  it('applies the range tolerance of the policy', async () => {
    await t.admin('PUT', '/api/models/cust/deployment', { policy: { validation: { anomalies: 'reject', range_tolerance: 0 } } });
    const over = await t.post('/v1/models/cust:predict', { instances: [{ age: 91, plan: 'pro', region: 'us' }] });
    assert.equal(over.status, 422, over.text);
    await t.admin('PUT', '/api/models/cust/deployment', { policy: { validation: { range_tolerance: 0.1 } } });
    const within = await t.post('/v1/models/cust:predict', { instances: [{ age: 91, plan: 'pro', region: 'us' }] });
    assert.equal(within.status, 200, within.text);
  });

  it('refuses more rows than the deployment allows with 413 LIMIT_EXCEEDED, on both endpoints', async () => {
    await t.admin('PUT', '/api/models/cust/deployment', { policy: { validation: { max_rows: 2 } } });
    const rec = { age: 41, plan: 'pro', region: 'us' };
    const records = await t.post('/v1/models/cust:predict', { instances: [rec, rec, rec] });
    assert.equal(records.status, 413, records.text);
    assert.equal(records.body.code, 'LIMIT_EXCEEDED');
    const v2 = await t.post('/v2/models/cust/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [3, 4], data: new Array(12).fill(0) }] });
    assert.equal(v2.status, 413, v2.text);
    await t.admin('PUT', '/api/models/cust/deployment', { policy: { validation: { max_rows: 10000 } } });
  });
});
