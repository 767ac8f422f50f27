/**
 * Shadow deployments and replay over HTTP, on a real in-process app: shadows started and stopped through the admin
 * API (policy revisions with audit reasons), a shadow report over live mirrored traffic, and replay of logged
 * production requests on a candidate. The linear fixtures' weights and the inputs are dyadic, so every FP32 answer
 * equals `linearExpect` exactly and the reports' differences can be checked to the last bit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { FaultyRuntime } from '../helpers/faulty-runtime.js';
import { linearExpect, openTestApp, pollUntil } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';

const v1 = linearModel();
const v2 = linearModelV2();

/** Two v2 requests and two records requests, six rows in all. */
const REQUESTS: ReadonlyArray<{ kind: 'v2' | 'records'; rows: number[][] }> = [
  { kind: 'v2', rows: [[1, 2, 3, 4]] },
  { kind: 'v2', rows: [[2, 1, 0, -1], [0.5, 0.5, 0.5, 0.5]] },
  { kind: 'records', rows: [[4, 3, 2, 1]] },
  { kind: 'records', rows: [[-1, 0, 1, 2], [0, 0, 0, 0]] },
];

async function send(t: TestApp, r: { kind: 'v2' | 'records'; rows: number[][] }): Promise<void> {
  const res =
    r.kind === 'v2'
      ? await t.post('/v2/models/lin/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [r.rows.length, 4], data: r.rows.flat() }] })
      : await t.post('/v1/models/lin:predict', { instances: r.rows });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['x-model-version'], '1', 'production answers');
}

/** |v2(x) - v1(x)| of every row of `requests`. */
function diffs(requests: typeof REQUESTS): number[] {
  return requests.flatMap((r) => r.rows.map((x) => Math.abs(linearExpect(v2, x) - linearExpect(v1, x))));
}

const mean = (a: readonly number[]) => a.reduce((s, d) => s + d, 0) / a.length;

async function flushedCount(t: TestApp, filter: { route?: 'shadow' | 'production'; status?: 'ok' | 'error' } = {}): Promise<number> {
  await t.ctx.predictions?.flush();
  return t.ctx.predictionLog.count({ model: 'lin', ...filter });
}

describe('shadows over HTTP', () => {
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

  it('starts and stops shadows as audited policy revisions, and refuses production, unknown versions and bad samples', async () => {
    const start = await t.admin('POST', '/api/models/lin/shadows', { version: 2, sample: 0.5 });
    assert.equal(start.status, 200, start.text);
    assert.equal(start.body.changed, true);
    const [entry] = start.body.policy.routing.shadows;
    assert.deepEqual([entry.version, entry.sample], [2, 0.5]);
    assert.ok(Math.abs(entry.since - Date.now()) < 60_000, 'since is now');
    const audit = await t.admin('GET', '/api/audit?target=model:lin&limit=1');
    assert.equal(audit.body.records[0].action, 'deployment.set');
    assert.equal(audit.body.records[0].details.reason, 'shadow start: version 2 at 50%');

    const again = await t.admin('POST', '/api/models/lin/shadows', { version: 2 });
    assert.deepEqual(again.body.policy.routing.shadows.map((s: { version: number; sample: number }) => [s.version, s.sample]), [[2, 1]], 'replaced');

    for (const [body, status, code] of [
      [{ version: 1 }, 400, 'INVALID_REQUEST'],
      [{ version: 9 }, 404, 'VERSION_NOT_FOUND'],
      [{ version: 2, sample: 0 }, 400, 'INVALID_REQUEST'],
      [{ version: 2, sample: 1.5 }, 400, 'INVALID_REQUEST'],
      [{ sample: 1 }, 400, 'INVALID_REQUEST'],
    ] as const) {
      const res = await t.admin('POST', '/api/models/lin/shadows', body);
      assert.deepEqual([res.status, res.body.code], [status, code], `${JSON.stringify(body)}: ${res.text}`);
    }
    assert.equal((await t.admin('POST', '/api/models/nope/shadows', { version: 1 })).body.code, 'MODEL_NOT_FOUND');

    const stop = await t.admin('DELETE', '/api/models/lin/shadows/2');
    assert.deepEqual([stop.status, stop.body.changed, stop.body.policy.routing.shadows], [200, true, []]);
    assert.equal((await t.admin('GET', '/api/audit?target=model:lin&limit=1')).body.records[0].details.reason, 'shadow stop: version 2');
    const none = await t.admin('DELETE', '/api/models/lin/shadows');
    assert.deepEqual([none.status, none.body.changed], [200, false], 'nothing to stop: no revision');
  });

  it('reports a live shadow against production, exactly, with the shadow’s failures counted', async () => {
    assert.equal((await t.admin('POST', '/api/models/lin/shadows', { version: 2 })).status, 200);
    await pollUntil('the shadow to load', () => (t.ctx.pool.lookup('lin', 2) ? true : undefined));
    for (const r of REQUESTS) await send(t, r);
    await pollUntil('four shadow runs', async () => ((await flushedCount(t, { route: 'shadow' })) === 4 ? true : undefined));

    const report = await t.admin('GET', '/api/models/lin/shadows/2/report');
    assert.equal(report.status, 200, report.text);
    const r = report.body;
    const d = diffs(REQUESTS);
    assert.deepEqual(
      [r.source, r.model, r.version, r.primary_versions, r.requests, r.rows, r.skipped, r.errors, r.unreadable, r.truncated],
      ['shadow', 'lin', 2, [1], 4, 6, 0, 0, 0, false],
    );
    // A regressor whose versions never agree within 1e-6.
    assert.deepEqual([r.agreement, r.agreement_rule], [0, 'tolerance']);
    assert.equal(r.mean_abs_diff, mean(d));
    assert.equal(r.max_abs_diff, Math.max(...d));
    for (const side of ['primary', 'shadow'] as const) {
      const { p50, p99 } = r.latency_ms[side];
      assert.ok(typeof p50 === 'number' && typeof p99 === 'number' && p50 <= p99, `${side}: ${JSON.stringify(r.latency_ms)}`);
    }

    runtime.set(v2.bytes, { kind: 'throw' });
    await send(t, { kind: 'v2', rows: [[1, 1, 1, 1]] });
    await pollUntil('the failed shadow run', async () => ((await flushedCount(t, { route: 'shadow', status: 'error' })) === 1 ? true : undefined));
    runtime.set(v2.bytes, null);
    // The model's one shadow, without naming it.
    const failed = (await t.admin('GET', '/api/models/lin/shadows/report')).body;
    assert.deepEqual([failed.requests, failed.rows, failed.errors, failed.error_detail], [5, 6, 1, { primary: 0, shadow: 1, codes: { INFERENCE_FAILED: 1 } }]);
    assert.equal(failed.mean_abs_diff, mean(d), 'a failed run adds no difference');

    const later = (await t.admin('GET', `/api/models/lin/shadows/2/report?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&until=2100-01-01T00:00:00Z`)).body;
    assert.deepEqual([later.requests, later.agreement, later.mean_abs_diff, later.latency_ms.primary], [0, null, null, { p50: null, p99: null }]);
    assert.equal((await t.admin('DELETE', '/api/models/lin/shadows')).body.changed, true);
    const asked = await t.admin('GET', '/api/models/lin/shadows/report');
    assert.deepEqual([asked.status, asked.body.code], [400, 'INVALID_REQUEST'], 'no shadow running: name the version');
  });
});

describe('replay over HTTP', () => {
  let t: TestApp;
  const runtime = new FaultyRuntime();

  before(async () => {
    t = await openTestApp({ runtime });
    await t.register('lin', v1.bytes, { alias: 'production' });
    await t.register('lin', v2.bytes);
    for (const r of REQUESTS) await send(t, r);
    await t.ctx.predictions?.flush();
  });
  after(async () => {
    runtime.release();
    await t?.close();
  });

  it('runs the candidate on logged production requests and compares exactly, writing nothing to the log', async () => {
    const before = await flushedCount(t);
    const res = await t.admin('POST', '/api/models/lin/replay', { version: 2 });
    assert.equal(res.status, 200, res.text);
    const r = res.body;
    const d = diffs(REQUESTS);
    assert.deepEqual(
      [r.source, r.version, r.primary_versions, r.since, r.requests, r.rows, r.errors, r.skipped, r.truncated],
      ['replay', 2, [1], null, 4, 6, 0, 0, false],
    );
    assert.deepEqual([r.agreement, r.agreement_rule, r.mean_abs_diff, r.max_abs_diff], [0, 'tolerance', mean(d), Math.max(...d)]);
    assert.ok(r.latency_ms.shadow.p50 > 0 && r.latency_ms.primary.p50 > 0);
    assert.equal(await flushedCount(t), before, 'replay writes nothing to the prediction log');

    const same = (await t.admin('POST', '/api/models/lin/replay', { version: 1 })).body;
    assert.deepEqual([same.requests, same.rows, same.agreement, same.mean_abs_diff, same.max_abs_diff], [4, 6, 1, 0, 0]);
  });

  it('replays the newest N, or those since a time', async () => {
    const last = (await t.admin('POST', '/api/models/lin/replay', { version: 2, last: 2 })).body;
    const newest = REQUESTS.slice(2);
    assert.deepEqual([last.requests, last.rows, last.max_abs_diff, last.truncated], [2, 3, Math.max(...diffs(newest)), false]);
    assert.equal(last.mean_abs_diff, mean(diffs(newest)));
    const since = new Date(Date.now() + 60_000).toISOString();
    const future = (await t.admin('POST', '/api/models/lin/replay', { version: 2, since, until: '2100-01-01T00:00:00Z' })).body;
    assert.deepEqual([future.requests, future.agreement], [0, null]);
    const all = (await t.admin('POST', '/api/models/lin/replay', { version: 2, since: '1h' })).body;
    assert.equal(all.requests, 4);
  });

  it('counts the candidate’s failures, and refuses what it cannot do', async () => {
    runtime.set(v2.bytes, { kind: 'throw' });
    try {
      const r = (await t.admin('POST', '/api/models/lin/replay', { version: 2 })).body;
      assert.deepEqual([r.requests, r.rows, r.errors, r.error_detail.codes, r.agreement], [4, 0, 4, { INFERENCE_FAILED: 4 }, null]);
    } finally {
      runtime.set(v2.bytes, null);
    }
    for (const [body, status, code] of [
      [{ version: 9 }, 404, 'VERSION_NOT_FOUND'],
      [{ version: 2, last: 3, since: '1h' }, 400, 'INVALID_REQUEST'],
      [{ version: 2, last: 0 }, 400, 'INVALID_REQUEST'],
      [{ version: 2, since: 'yesterday' }, 400, 'INVALID_TIME'],
    ] as const) {
      const res = await t.admin('POST', '/api/models/lin/replay', body);
      assert.deepEqual([res.status, res.body.code], [status, code], `${JSON.stringify(body)}: ${res.text}`);
    }
  });
});
