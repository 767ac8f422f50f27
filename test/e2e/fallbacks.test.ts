/**
 * Fallbacks and graceful degradation over HTTP, with faults injected into real ONNX models (FaultyRuntime): a model
 * that throws, one that hangs past the latency budget, one that answers NaN, one that is slow only sometimes, a
 * version whose artifact file disappears, load shedding, and validation handing a request over. Each case checks
 * the answer (status, `fallback` field, `x-mooring-fallback`, `model_version`), the metrics, the prediction log and
 * `/api/health`. No timing assertions: a hanging model never answers, so an answer proves the budget cut it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { FaultyRuntime } from '../helpers/faulty-runtime.js';
import { close, linearExpect, openTestApp, pollUntil, tempHome, toJson } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { loadConfig } from '../../src/config/config.js';
import { openContext } from '../../src/compose.js';
import { buildApp } from '../../src/http/app.js';
import { registerFixture } from '../helpers/harness.js';
import { buildDemoModel, demoReferenceTable } from '../../src/demo/demo-model.js';
import { buildReferenceProfile } from '../../src/services/reference-profile.js';

const v1 = linearModel();
const v2 = linearModelV2();

/** A v2 request for the linear model. */
function infer(x: readonly number[], id?: string): unknown {
  return { ...(id ? { id } : {}), inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: x }] };
}

/** The rules every case here may fall back on: y = 42 for every row. */
const CONSTANT_RULES = { default: { outputs: [{ name: 'y', value: [42] }] } };

async function setPolicy(t: TestApp, name: string, policy: unknown): Promise<void> {
  const res = await t.admin('PUT', `/api/models/${name}/deployment`, { policy });
  assert.equal(res.status, 200, res.text);
}

async function metric(t: TestApp, line: RegExp): Promise<number> {
  const text = (await t.inject({ method: 'GET', url: '/metrics' })).body;
  const found = text.split('\n').find((l) => line.test(l));
  return found === undefined ? 0 : Number(found.slice(found.lastIndexOf(' ') + 1));
}

async function logged(t: TestApp, model: string): Promise<Array<{ id: string; route: string; version: number; flags: string[]; status: string }>> {
  await t.ctx.predictions?.flush();
  const page = await t.ctx.predictionLog.query({ model, limit: 500 });
  return page.items.map((p) => ({ id: p.id, route: p.route, version: p.version, flags: [...p.flags], status: p.status }));
}

describe('fallbacks under injected faults', () => {
  let t: TestApp;
  const runtime = new FaultyRuntime();

  before(async () => {
    t = await openTestApp({ runtime });
    await t.register('lin', v1.bytes, { alias: 'production' });
    await t.register('lin', v2.bytes, { alias: 'production' }); // v2 serves, v1 is the previous version
    await setPolicy(t, 'lin', {
      fallback: { chain: ['cache', 'previous', 'rules'], rules: CONSTANT_RULES },
      circuit_breaker: { min_requests: 5, error_ratio: 0.5, window_ms: 60_000, half_open_after_ms: 200 },
    });
  });
  after(async () => {
    runtime.release();
    await t?.close();
  });

  it('serves a model that throws from the previous version, opens the circuit and recovers', async () => {
    runtime.set(v2.bytes, { kind: 'throw' });
    const x = [1, 2, 3, 4];
    const res = await t.post('/v2/models/lin/infer', infer(x, 'throw-1'));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-mooring-fallback'], 'previous');
    assert.equal(res.body.fallback, 'previous');
    assert.equal(res.body.model_version, '1');
    assert.equal(res.headers['x-model-version'], '1');
    assert.ok(close(res.body.outputs[0].data[0], linearExpect(v1, x)));

    // Enough failures in the window open the circuit: the model is then not called at all.
    for (let i = 0; i < 6; i++) assert.equal((await t.post('/v2/models/lin/infer', infer([i, 0, 0, 0]))).status, 200);
    const health = await t.get('/api/health');
    const lin = health.body.models.find((m: { name: string }) => m.name === 'lin');
    assert.equal(lin.circuit, 'open');
    assert.equal(lin.degraded, true);
    assert.equal(health.body.status, 'degraded');
    assert.ok(lin.degradation.reasons.some((r: string) => /circuit breaker of version 2 is open after INFERENCE_FAILED/.test(r)), JSON.stringify(lin));
    assert.ok(lin.degradation.fallbacks_last_minute.previous >= 7);
    assert.equal((await t.get('/v2/health/ready')).status, 200, 'readiness stays true while fallbacks serve');
    const calls = runtime.callsOf(v2.bytes);
    const open = await t.post('/v2/models/lin/infer', infer([9, 9, 9, 9]));
    assert.equal(open.status, 200);
    assert.equal(open.body.fallback, 'previous');
    assert.equal(runtime.callsOf(v2.bytes), calls, 'an open circuit does not call the model');
    assert.ok((await metric(t, /^mooring_fallbacks_total\{model="lin",kind="previous",reason="circuit_open"\}/)) >= 1);
    assert.ok((await metric(t, /^mooring_fallbacks_total\{model="lin",kind="previous",reason="error"\}/)) >= 5);
    assert.equal(await metric(t, /^mooring_circuit_state\{model="lin",version="2",state="open"\}/), 1);

    // The model recovers: after the half-open delay one request tries it, succeeds, and the circuit closes.
    runtime.set(v2.bytes, null);
    const recovered = await pollUntil('the circuit to close', async () => {
      const r = await t.post('/v2/models/lin/infer', infer(x));
      return r.body.fallback === undefined ? r : undefined;
    });
    assert.equal(recovered.status, 200);
    assert.equal(recovered.body.model_version, '2');
    assert.ok(close(recovered.body.outputs[0].data[0], linearExpect(v2, x)));
    assert.equal(await metric(t, /^mooring_circuit_state\{model="lin",version="2",state="closed"\}/), 1);

    // Newest first: the oldest fallback record is the first request's, logged under the version that failed.
    const log = (await logged(t, 'lin')).filter((p) => p.route === 'fallback');
    const { id: _id, ...first } = log[log.length - 1]!;
    assert.deepEqual(first, { route: 'fallback', version: 2, flags: ['fallback:previous', 'cause:error', 'answered_by:1', 'model_error'], status: 'ok' });
    assert.ok(log.some((p) => p.flags.includes('cause:circuit_open')));
  });

  it('answers a model that hangs past the budget from the cache, else from the rules', async () => {
    await setPolicy(t, 'lin', { latency_budget_ms: 50, fallback: { chain: ['cache', 'rules'] }, circuit_breaker: { enabled: false } });
    const seen = [0.5, 0.25, 1, 2];
    const good = await t.post('/v2/models/lin/infer', infer(seen));
    assert.equal(good.status, 200);
    assert.equal(good.body.fallback, undefined);

    runtime.set(v2.bytes, { kind: 'hang' });
    const cached = await t.post('/v2/models/lin/infer', infer(seen));
    assert.equal(cached.status, 200, cached.text);
    assert.equal(cached.headers['x-mooring-fallback'], 'cache');
    assert.deepEqual(cached.body.outputs, good.body.outputs, 'the last good answer for the same input');
    assert.equal(cached.body.model_version, '2');

    const fresh = await t.post('/v2/models/lin/infer', infer([7, 7, 7, 7]));
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(fresh.body.fallback, 'rules');
    assert.deepEqual(fresh.body.outputs, [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [42] }]);
    assert.ok((await metric(t, /^mooring_fallbacks_total\{model="lin",kind="cache",reason="timeout"\}/)) >= 1);
    assert.ok((await metric(t, /^mooring_fallbacks_total\{model="lin",kind="rules",reason="timeout"\}/)) >= 1);
    runtime.set(v2.bytes, null);
    runtime.release();
  });

  it('treats NaN outputs as a model failure', async () => {
    await setPolicy(t, 'lin', { latency_budget_ms: 0, fallback: { chain: ['rules'] } });
    runtime.set(v2.bytes, { kind: 'nan' });
    const res = await t.post('/v2/models/lin/infer', infer([1, 1, 1, 1]));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.fallback, 'rules');
    assert.ok((await metric(t, /^mooring_fallbacks_total\{model="lin",kind="rules",reason="non_finite"\}/)) >= 1);
    runtime.set(v2.bytes, null);
  });

  it('answers a model that is slow only sometimes: the slow calls fall back, the fast ones do not', async () => {
    await setPolicy(t, 'lin', { latency_budget_ms: 40, fallback: { chain: ['rules'] } });
    runtime.set(v2.bytes, { kind: 'slow', every: 2, delayMs: 400 });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await t.post('/v2/models/lin/infer', infer([i, 1, 2, 3])));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 200]);
    const kinds = answers.map((a) => a.body.fallback ?? 'model');
    assert.deepEqual(kinds, ['rules', 'model', 'rules', 'model', 'rules', 'model']);
    runtime.set(v2.bytes, null);
  });

  it('answers 503 FALLBACK_EXHAUSTED naming each kind tried when nothing can answer', async () => {
    await setPolicy(t, 'lin', { latency_budget_ms: 0, fallback: { chain: ['cache'] } });
    runtime.set(v2.bytes, { kind: 'throw' });
    const res = await t.post('/v2/models/lin/infer', infer([3, 1, 4, 1]));
    assert.equal(res.status, 503, res.text);
    assert.equal(res.body.code, 'FALLBACK_EXHAUSTED');
    assert.equal(res.body.details.cause, 'INFERENCE_FAILED');
    assert.deepEqual(res.body.details.tried, [{ kind: 'cache', reason: 'no good answer for this input is kept' }]);
    assert.equal(res.headers['retry-after'], '1');
    assert.ok((await metric(t, /^mooring_fallbacks_exhausted_total\{model="lin",reason="error"\}/)) >= 1);
    runtime.set(v2.bytes, null);
  });

  it('never falls back for a request that names its version', async () => {
    await setPolicy(t, 'lin', { fallback: { chain: ['rules'] } });
    runtime.set(v2.bytes, { kind: 'throw' });
    const res = await t.post('/v2/models/lin/versions/2/infer', infer([1, 0, 0, 0]));
    assert.equal(res.status, 500, res.text);
    assert.equal(res.body.code, 'INFERENCE_FAILED');
    runtime.set(v2.bytes, null);
  });

  it('sheds load past the limits with 503 OVERLOADED and Retry-After, or hands it to the chain', async () => {
    await setPolicy(t, 'lin', { fallback: { chain: [] }, limits: { max_concurrent: 1, max_queued: 0, retry_after_seconds: 7 } });
    runtime.set(v2.bytes, { kind: 'hang' });
    const held = t.post('/v2/models/lin/infer', infer([1, 2, 3, 4]));
    await pollUntil('the first request to reach the model', () => (t.ctx.pool.productionOf('lin')!.guard.load.running === 1 ? true : undefined));
    const shed = await t.post('/v2/models/lin/infer', infer([1, 2, 3, 5]));
    assert.equal(shed.status, 503, shed.text);
    assert.equal(shed.body.code, 'OVERLOADED');
    assert.equal(shed.headers['retry-after'], '7');
    assert.ok((await metric(t, /^mooring_shed_requests_total\{model="lin",version="2"\}/)) >= 1);

    await setPolicy(t, 'lin', { fallback: { chain: ['rules'] }, limits: { max_concurrent: 1, max_queued: 0, retry_after_seconds: 7 } });
    const guard = t.ctx.pool.productionOf('lin')!.guard;
    assert.equal(guard.load.running, 1, 'a policy change that keeps the limits keeps the guard and its load');
    const byRules = await t.post('/v2/models/lin/infer', infer([1, 2, 3, 6]));
    assert.equal(byRules.status, 200, byRules.text);
    assert.equal(byRules.body.fallback, 'rules');
    assert.ok((await metric(t, /^mooring_fallbacks_total\{model="lin",kind="rules",reason="overloaded"\}/)) >= 1);

    runtime.set(v2.bytes, null);
    runtime.release();
    const first = await held;
    assert.equal(first.status, 200, 'the held request is answered once the model answers');
    assert.equal(first.body.fallback, undefined);
  });
});

describe('fallbacks for a version whose artifact file disappears', () => {
  const home = tempHome('fallback-restart');
  after(() => rmSync(home, { recursive: true, force: true }));

  async function open() {
    const config = loadConfig({
      home,
      env: {},
      overrides: { demo: false, log: { level: 'silent' }, admin: { token: 'test-admin-token-0123456789abcdef' }, registry: { syncIntervalMs: 0 } },
    });
    const ctx = await openContext(config, { actor: 'test', processMetrics: false });
    const state = { ready: false, draining: false };
    const app = await buildApp({ ctx, adminToken: 'test-admin-token-0123456789abcdef', state, version: '0.0.0-test' });
    await app.ready();
    await ctx.pool.sync();
    state.ready = true;
    return { ctx, app, async close() { await app.close(); await ctx.close(); } };
  }

  it('serves the previous version after a restart and says the model is degraded', async () => {
    const first = await open();
    await registerFixture(first.ctx, 'lin', v1.bytes, { alias: 'production' });
    const gone = await registerFixture(first.ctx, 'lin', v2.bytes, { alias: 'production' });
    await first.ctx.deployments.set('lin', { fallback: { chain: ['previous'] } }, { actor: 'test' });
    await first.close();

    const digest = gone.artifact.sha256;
    rmSync(join(home, 'artifacts', 'sha256', digest.slice(0, 2), digest));

    const second = await open();
    try {
      const x = [2, 0, 1, 0];
      const res = toJson(
        await second.app.inject({ method: 'POST', url: '/v2/models/lin/infer', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(infer(x)) }),
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-mooring-fallback'], 'previous');
      assert.equal(res.body.model_version, '1');
      assert.ok(close(res.body.outputs[0].data[0], linearExpect(v1, x)));

      const ready = await second.app.inject({ method: 'GET', url: '/v2/health/ready' });
      assert.equal(ready.statusCode, 200);
      const health = toJson(await second.app.inject({ method: 'GET', url: '/api/health' }));
      const lin = health.body.models.find((m: { name: string }) => m.name === 'lin');
      assert.equal(health.body.status, 'degraded');
      assert.equal(lin.production_alias, 2);
      assert.equal(lin.production_version, null);
      assert.equal(lin.previous_version, 1);
      assert.ok(lin.degradation.reasons.some((r: string) => /production names version 2, which is not loaded \(version 2: MODEL_LOAD_FAILED/.test(r)), JSON.stringify(lin));
    } finally {
      await second.close();
    }
  });
});

describe('fallbacks on the records endpoint, with rules on named features', () => {
  let t: TestApp;
  const runtime = new FaultyRuntime();
  const demo = buildDemoModel();
  const rules = {
    cases: [
      { when: [{ feature: 'contract_months', op: 'ge', value: 12 }], outputs: [{ name: 'probability', value: [0.05] }, { name: 'label', value: [false] }] },
      { when: [{ feature: 'support_calls', op: 'missing' }], outputs: [{ name: 'probability', value: [0.5] }, { name: 'label', value: [true] }] },
    ],
    default: { outputs: [{ name: 'probability', value: [0.3] }, { name: 'label', value: [false] }] },
  };

  before(async () => {
    t = await openTestApp({ runtime });
    const { features, profile } = await buildReferenceProfile(runtime, demo.bytes, demoReferenceTable(), { target: 'churned', source: 'test', now: 0 });
    await t.register('churn', demo.bytes, { alias: 'production', features, profile });
    await setPolicy(t, 'churn', { fallback: { chain: ['rules'], rules } });
  });
  after(() => t?.close());

  it('answers each record by the first case it matches, in the records format', async () => {
    runtime.set(demo.bytes, { kind: 'throw' });
    const res = await t.post('/v1/models/churn:predict', {
      instances: [
        { tenure_months: 30, monthly_charges: 50, support_calls: 0, contract_months: 24 },
        { tenure_months: 2, monthly_charges: 90, support_calls: 4, contract_months: 1 },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-mooring-fallback'], 'rules');
    assert.deepEqual(res.body, {
      predictions: [
        { probability: [0.05000000074505806], label: [false] },
        { probability: [0.30000001192092896], label: [false] },
      ],
      model_name: 'churn',
      model_version: '1',
      fallback: 'rules',
    });
    runtime.set(demo.bytes, null);
  });

  it('takes over a request that validation hands to the chain, and says why in the log', async () => {
    await setPolicy(t, 'churn', { validation: { schema: 'fallback' }, fallback: { chain: ['rules'], rules } });
    // support_calls is missing: a schema problem the model cannot run with, handed to the chain by the policy.
    const res = await t.post('/v1/models/churn:predict', { instances: [{ tenure_months: 5, monthly_charges: 70, contract_months: 1 }] });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.fallback, 'rules');
    assert.deepEqual(res.body.predictions, [{ probability: [0.5], label: [true] }]);
    assert.ok((await metric(t, /^mooring_fallbacks_total\{model="churn",kind="rules",reason="validation"\}/)) >= 1);
    const [last] = (await logged(t, 'churn')).filter((p) => p.route === 'fallback');
    assert.deepEqual(last!.flags, ['fallback:rules', 'cause:validation']);

    // Without a chain the same request is refused, and the refusal says there was nowhere to send it.
    await setPolicy(t, 'churn', { validation: { schema: 'fallback' }, fallback: { chain: [] } });
    const refused = await t.post('/v1/models/churn:predict', { instances: [{ tenure_months: 5, monthly_charges: 70, contract_months: 1 }] });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.body.details.fallback, 'no fallback chain is configured for this model');
  });

  it('refuses, when the policy is set, rules that name an output the model does not have', async () => {
    const res = await t.admin('PUT', '/api/models/churn/deployment', {
      policy: { fallback: { chain: ['rules'], rules: { default: { outputs: [{ name: 'score', value: [1] }] } } } },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'INVALID_REQUEST');
    assert.equal(res.body.details.field, 'fallback.rules.default.outputs[0].name');
  });
});
