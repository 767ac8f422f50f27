/**
 * Traffic routing over HTTP: a canary split by sticky key (stable per key, a realised share within a binomial
 * tolerance of the weight), a failing canary answered by production, and shadows that run after the answer and can
 * never change or delay it, even when they throw or hang. No timing assertions: a shadow that hangs forever cannot
 * delay an answer that arrives, so every answer arriving is the proof.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { stickyPosition, splitSalt, toCanary } from '../../src/core/rollout/sticky-split.js';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { FaultyRuntime } from '../helpers/faulty-runtime.js';
import { close, linearExpect, openTestApp, pollUntil, toJson } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';

const v1 = linearModel();
const v2 = linearModelV2();

function body(x: readonly number[]): string {
  return JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: x }] });
}

async function infer(t: TestApp, x: readonly number[], key?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['x-mooring-key'] = key;
  return toJson(await t.inject({ method: 'POST', url: '/v2/models/lin/infer', headers, payload: body(x) }));
}

async function setRouting(t: TestApp, routing: unknown): Promise<void> {
  const res = await t.admin('PUT', '/api/models/lin/deployment', { policy: { routing } });
  assert.equal(res.status, 200, res.text);
}

describe('the sticky split', () => {
  it('puts a key on the same side for any weight above its position, and spreads keys evenly', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (key, salt) => {
        const p = stickyPosition(key, salt);
        assert.ok(p >= 0 && p < 100);
        assert.equal(toCanary(p + 1e-9, key, salt), true);
        assert.equal(toCanary(p, key, salt), false);
      }),
    );
    // 20,000 keys at 25%: the realised share is within 4 standard deviations of a binomial(20000, 0.25).
    const n = 20_000;
    let canary = 0;
    for (let i = 0; i < n; i++) if (toCanary(25, `user-${i}`, splitSalt('churn', 2))) canary++;
    const sd = Math.sqrt(n * 0.25 * 0.75);
    assert.ok(Math.abs(canary - n * 0.25) < 4 * sd, `${canary} of ${n}`);
  });
});

describe('canary routing and shadows over HTTP', () => {
  let t: TestApp;
  const runtime = new FaultyRuntime();

  before(async () => {
    t = await openTestApp({ runtime });
    await t.register('lin', v1.bytes, { alias: 'production' });
    await t.register('lin', v2.bytes);
  });
  after(async () => {
    runtime.release();
    await t?.close();
  });

  it('sends a key to the same version every time, and about `weight` percent of keys to the canary', async () => {
    await setRouting(t, { canary: { version: 2, weight: 30 } });
    await pollUntil('the canary to load', () => (t.ctx.pool.lookup('lin', 2) ? true : undefined));
    const health = await t.get('/api/health');
    const lin = health.body.models.find((m: { name: string }) => m.name === 'lin');
    assert.deepEqual(lin.delivery, { canary: { version: 2, weight: 30 }, shadows: [], experiment: null, rollout: null });
    const metrics = (await t.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^mooring_canary_weight\{model="lin",version="2"\} 30$/m);
    const x = [1, 2, 3, 4];
    const n = 400;
    let toV2 = 0;
    for (let i = 0; i < n; i++) {
      const first = await infer(t, x, `user-${i}`);
      const again = await infer(t, x, `user-${i}`);
      assert.equal(first.status, 200, first.text);
      assert.equal(again.headers['x-model-version'], first.headers['x-model-version'], `user-${i} is sticky`);
      const version = first.headers['x-model-version'];
      assert.ok(close(first.body.outputs[0].data[0], linearExpect(version === '2' ? v2 : v1, x)));
      if (version === '2') toV2++;
      assert.equal(version === '2', toCanary(30, `user-${i}`, splitSalt('lin', 2)), 'the server splits as the core says');
    }
    const sd = Math.sqrt(n * 0.3 * 0.7);
    assert.ok(Math.abs(toV2 - n * 0.3) < 4 * sd, `${toV2} of ${n} at 30%`);
    await t.ctx.predictions?.flush();
    const canaryRecords = await t.ctx.predictionLog.count({ model: 'lin', route: 'canary', version: 2 });
    assert.equal(canaryRecords, 2 * toV2, 'each canary answer is logged with route canary');
  });

  it('answers from production when the canary fails, and logs the canary failure against it', async () => {
    await setRouting(t, { canary: { version: 2, weight: 100 } });
    runtime.set(v2.bytes, { kind: 'throw' });
    const x = [0.5, 0.5, 0.5, 0.5];
    const res = await infer(t, x, 'anyone');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-model-version'], '1');
    assert.ok(close(res.body.outputs[0].data[0], linearExpect(v1, x)));
    await t.ctx.predictions?.flush();
    const { items } = await t.ctx.predictionLog.query({ model: 'lin', limit: 2 });
    const byRoute = Object.fromEntries(items.map((p) => [p.route, p]));
    assert.equal(byRoute['canary']?.status, 'error');
    assert.equal(byRoute['canary']?.error, 'INFERENCE_FAILED');
    assert.equal(byRoute['canary']?.version, 2);
    assert.deepEqual(byRoute['production']?.flags, ['canary_failed']);
    assert.equal(byRoute['canary']?.id, byRoute['production']?.id, 'both records carry the request id');
    runtime.set(v2.bytes, null);
    await setRouting(t, { canary: null });
  });

  it('mirrors answered requests to a shadow after the answer, logging its answer under the same id', async () => {
    await setRouting(t, { canary: null, shadows: [{ version: 2, sample: 1 }] });
    await pollUntil('the shadow to load', () => (t.ctx.pool.lookup('lin', 2) ? true : undefined));
    const x = [2, 1, 0, -1];
    const res = await infer(t, x);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-model-version'], '1', 'the shadow never answers');
    const shadow = await pollUntil('the shadow record', async () => {
      await t.ctx.predictions?.flush();
      const { items } = await t.ctx.predictionLog.query({ model: 'lin', route: 'shadow', limit: 1 });
      return items[0];
    });
    assert.equal(shadow.version, 2);
    assert.equal(shadow.status, 'ok');
    assert.deepEqual(shadow.flags, ['shadow_of:1']);
    const out = (shadow.outputs as { outputs: { data: number[] }[] }).outputs[0]!.data[0]!;
    assert.ok(close(out, linearExpect(v2, x)), 'the shadow answer is version 2’s');
    const { items } = await t.ctx.predictionLog.query({ model: 'lin', route: 'production', limit: 1 });
    assert.equal(items[0]!.id, shadow.id);
  });

  it('leaves the primary answer unchanged when the shadow throws or hangs', async () => {
    const x = [1, -1, 1, -1];
    const expected = (await infer(t, x)).body;
    runtime.set(v2.bytes, { kind: 'throw' });
    const withThrowing = await infer(t, x);
    assert.equal(withThrowing.status, 200);
    assert.deepEqual(withThrowing.body, expected);
    const failed = await pollUntil('the failed shadow record', async () => {
      await t.ctx.predictions?.flush();
      const { items } = await t.ctx.predictionLog.query({ model: 'lin', route: 'shadow', status: 'error', limit: 1 });
      return items[0];
    });
    assert.equal(failed.error, 'INFERENCE_FAILED');

    runtime.set(v2.bytes, { kind: 'hang' });
    for (let i = 0; i < 20; i++) {
      const res = await infer(t, x);
      assert.equal(res.status, 200, 'a hanging shadow never holds up an answer');
      assert.deepEqual(res.body, expected);
    }
    runtime.set(v2.bytes, null);
    runtime.release();
    await setRouting(t, { shadows: [] });
  });
});
