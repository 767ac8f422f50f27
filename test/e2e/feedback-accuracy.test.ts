/**
 * Feedback and live accuracy end to end over the HTTP app: predictions answered by the demo churn model are logged
 * under their request ids; labels posted by request id (some before the log's writer flushed, some after) are joined
 * to them; `GET /api/models/churn/accuracy` equals the metrics computed here by hand from the answers. Also the
 * prediction list API, and refusals that store nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildDemoModel } from '../../src/demo/demo-model.js';
import { demoDataset, demoFeatureVector } from '../../src/demo/demo-model.js';
import { openTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';

let t: TestApp;

interface Answered {
  id: string;
  probability: number;
  predicted: boolean;
  label: boolean;
}

const answered: Answered[] = [];

before(async () => {
  t = await openTestApp({ overrides: { predictionLog: { flushIntervalMs: 3_600_000 } } });
  await t.register('churn', buildDemoModel().bytes, { alias: 'production' });
});

after(async () => {
  await t?.close();
});

/** Exact ROC AUC by its definition: pairs (positive, negative), ties counting one half. */
function pairwiseAuc(rows: readonly Answered[]): number {
  let wins = 0;
  let pairs = 0;
  for (const p of rows) {
    if (!p.label) continue;
    for (const n of rows) {
      if (n.label) continue;
      pairs++;
      wins += p.probability > n.probability ? 1 : p.probability === n.probability ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

function close(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', what);
  assert.ok(Math.abs((actual as number) - expected) < 1e-12, `${what}: ${String(actual)} vs ${expected}`);
}

describe('feedback and live accuracy', () => {
  it('logs every answer under its request id and joins labels sent before and after the flush', async () => {
    const rows = demoDataset(40, 99);
    for (const row of rows) {
      const res = await t.post('/v1/models/churn:predict', { instances: [demoFeatureVector(row)] });
      assert.equal(res.status, 200, res.text);
      const id = res.headers['x-request-id']!;
      const [prediction] = res.body.predictions as Array<{ probability: number[]; label: boolean[] }>;
      answered.push({ id, probability: prediction!.probability[0]!, predicted: prediction!.label[0]!, label: row.churned });
    }
    assert.equal(new Set(answered.map((a) => a.id)).size, answered.length);

    // Half the labels arrive while the predictions are still in the writer's buffer.
    const early = answered.slice(0, 20);
    const late = answered.slice(20);
    const first = await t.admin('POST', '/api/feedback', { items: early.map((a) => ({ id: a.id, label: a.label })) });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body, { accepted: 20 });
    assert.equal((await t.admin('GET', '/api/models/churn/predictions')).body.items.length, 0);

    assert.equal(await t.ctx.predictions!.flush(), true);
    // One label in the single-item form, the rest as a list.
    const one = await t.admin('POST', '/api/feedback', { id: late[0]!.id, label: late[0]!.label });
    assert.deepEqual(one.body, { accepted: 1 });
    const rest = await t.admin('POST', '/api/feedback', { items: late.slice(1).map((a) => ({ id: a.id, label: a.label })) });
    assert.deepEqual(rest.body, { accepted: 19 });

    const page = await t.admin('GET', '/api/models/churn/predictions?limit=100');
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.items.length, 40);
    assert.equal(page.body.next, null);
    const byId = new Map(page.body.items.map((p: { id: string }) => [p.id, p]));
    for (const a of answered) {
      const p = byId.get(a.id) as { label: boolean; label_at: string | null; outputs: unknown; version: number; route: string };
      assert.equal(p.label, a.label);
      assert.match(p.label_at!, /^\d{4}-\d\d-\d\dT/);
      assert.equal(p.version, 1);
      assert.equal(p.route, 'production');
    }
  });

  it('answers the accuracy the answers and labels give', async () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let correct = 0;
    for (const a of answered) {
      if (a.predicted === a.label) correct++;
      if (a.predicted && a.label) tp++;
      if (a.predicted && !a.label) fp++;
      if (!a.predicted && a.label) fn++;
    }
    assert.ok(tp > 0 && fn + fp > 0, 'the sample should have hits and misses');
    const res = await t.admin('GET', '/api/models/churn/accuracy');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.model, 'churn');
    assert.equal(res.body.truncated, false);
    assert.equal(res.body.versions.length, 1);
    const v = res.body.versions[0];
    assert.equal(v.version, 1);
    assert.equal(v.task, 'classification');
    assert.equal(v.positive_class, 'true');
    assert.equal(v.labelled, 40);
    assert.equal(v.unusable, 0);
    close(v.metrics.accuracy, correct / 40, 'accuracy');
    close(v.metrics.precision, tp / (tp + fp), 'precision');
    close(v.metrics.recall, tp / (tp + fn), 'recall');
    close(v.metrics.f1, (2 * tp) / (2 * tp + fp + fn), 'f1');
    close(v.metrics.auc, pairwiseAuc(answered), 'auc');
    assert.deepEqual(v.windows, []);

    const windowed = await t.admin('GET', '/api/models/churn/accuracy?version=production&since=1h&window=30m');
    assert.equal(windowed.status, 200, windowed.text);
    const w = windowed.body.versions[0];
    assert.equal(windowed.body.window_ms, 1_800_000);
    assert.ok(w.windows.length >= 2 && w.windows.length <= 3, JSON.stringify(w.windows));
    assert.equal(w.windows.reduce((s: number, x: { labelled: number }) => s + x.labelled, 0), 40);
  });

  it('scores a multi-row v2 request by its per-row labels', async () => {
    const rows = demoDataset(3, 7);
    const res = await t.post('/v2/models/churn/infer', {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [3, 4], data: rows.flatMap(demoFeatureVector) }],
    });
    assert.equal(res.status, 200, res.text);
    const id = res.headers['x-request-id']!;
    const labels = res.body.outputs.find((o: { name: string }) => o.name === 'label').data as boolean[];
    // Labels equal to what was predicted: three more right answers.
    assert.deepEqual((await t.admin('POST', '/api/feedback', { id, label: labels })).body, { accepted: 1 });
    await t.ctx.predictions!.flush();
    const v = (await t.admin('GET', '/api/models/churn/accuracy?version=1')).body.versions[0];
    assert.equal(v.labelled, 43);
  });

  it('refuses a bad item naming its index, storing none of the request', async () => {
    const before = (await t.admin('GET', '/api/models/churn/accuracy')).body.versions[0].metrics;
    const flipped = answered.slice(0, 2).map((a) => ({ id: a.id, label: !a.label }));
    const bad = await t.admin('POST', '/api/feedback', { items: [...flipped, { id: answered[2]!.id, label: { yes: 1 } }] });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.code, 'INVALID_REQUEST');
    assert.match(bad.body.error, /item 2/);
    assert.equal(bad.body.details.index, 2);
    const dup = await t.admin('POST', '/api/feedback', { items: [flipped[0], flipped[0]] });
    assert.equal(dup.status, 400);
    assert.match(dup.body.error, /item 1: id .* is also item 0/);
    for (const body of [[], { items: 'x' }, { items: [], extra: 1 }, 'text']) {
      assert.equal((await t.admin('POST', '/api/feedback', body)).status, 400, JSON.stringify(body));
    }
    assert.deepEqual((await t.admin('GET', '/api/models/churn/accuracy')).body.versions[0].metrics, before);
    const unauthorized = await t.post('/api/feedback', { id: 'x', label: 1 });
    assert.equal(unauthorized.status, 401);
  });

  it('lists predictions newest first, paged, filtered', async () => {
    const first = await t.admin('GET', '/api/models/churn/predictions?limit=10');
    assert.equal(first.body.items.length, 10);
    assert.equal(typeof first.body.next, 'string');
    const second = await t.admin('GET', `/api/models/churn/predictions?limit=10&after=${encodeURIComponent(first.body.next)}`);
    assert.equal(second.body.items.length, 10);
    const ats = [...first.body.items, ...second.body.items].map((p: { at: string }) => Date.parse(p.at));
    assert.deepEqual(ats, [...ats].sort((a, b) => b - a));
    assert.equal(new Set([...first.body.items, ...second.body.items].map((p: { id: string }) => p.id)).size, 20);
    const future = await t.admin('GET', `/api/models/churn/predictions?since=${Date.now() + 3_600_000}`);
    assert.deepEqual(future.body, { items: [], next: null });
    assert.equal((await t.admin('GET', '/api/models/churn/predictions?flag=out_of_distribution')).body.items.length, 0);
    assert.equal((await t.admin('GET', '/api/models/churn/predictions?version=1&until=1h')).body.items.length, 0);
  });

  it('is in the OpenAPI document, behind the admin token', async () => {
    const doc = (await t.get('/api/openapi.json')).body;
    for (const [path, method] of [
      ['/api/feedback', 'post'],
      ['/api/models/{name}/predictions', 'get'],
      ['/api/models/{name}/accuracy', 'get'],
    ] as const) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path}`);
      assert.ok(Array.isArray(op.security) && op.security.length > 0, `${method} ${path} security`);
    }
  });

  it('answers 4xx for unknown models, versions, bad times and unknown parameters', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/models/nope/predictions', 404, 'MODEL_NOT_FOUND'],
      ['/api/models/nope/accuracy', 404, 'MODEL_NOT_FOUND'],
      ['/api/models/churn/predictions?version=9', 404, 'VERSION_NOT_FOUND'],
      ['/api/models/churn/accuracy?version=staging', 404, 'ALIAS_NOT_FOUND'],
      ['/api/models/churn/predictions?since=yesterday', 400, 'INVALID_TIME'],
      ['/api/models/churn/accuracy?window=soon', 400, 'INVALID_TIME'],
      ['/api/models/churn/accuracy?window=1s&since=7d', 400, 'INVALID_REQUEST'],
      ['/api/models/churn/accuracy?since=1h&until=2h', 400, 'INVALID_TIME'],
      ['/api/models/churn/predictions?after=garbage', 400, 'INVALID_REQUEST'],
      ['/api/models/churn/predictions?limit=0', 400, 'INVALID_REQUEST'],
      ['/api/models/churn/predictions?lmit=5', 400, 'INVALID_REQUEST'],
    ];
    for (const [url, status, code] of cases) {
      const res = await t.admin('GET', url);
      assert.equal(res.status, status, `${url}: ${res.text}`);
      assert.equal(res.body.code, code, url);
    }
  });
});
