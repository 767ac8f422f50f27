import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { linearModel } from '../fixtures/models.js';
import { openTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';

/** `GET /metrics`: the request, latency, inference and score series move with real traffic, failures included. */
describe('Prometheus metrics', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
    await t.register('lin', linearModel().bytes, { alias: 'production' });
  });
  after(() => t?.close());

  const scrape = async (): Promise<string> => {
    const res = await t.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    return res.body;
  };
  const value = (text: string, series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  };

  it('counts answers by route and status, and times them', async () => {
    const before = await scrape();
    const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4, 0.1, 0.2, 0.3, 0.4] }] };
    assert.equal((await t.post('/v2/models/lin/infer', body)).status, 200);
    assert.equal((await t.post('/v2/models/lin/versions/1/infer', body)).status, 200);
    assert.equal((await t.post('/v2/models/lin/infer', { inputs: [{ name: 'nope', datatype: 'FP32', shape: [1], data: [1] }] })).status, 400);
    assert.equal((await t.post('/v2/models/missing/infer', body)).status, 404);
    const after = await scrape();
    const delta = (s: string): number => value(after, s) - value(before, s);
    assert.equal(delta('mooring_requests_total{model="lin",version="1",route="production",code="200"}'), 1);
    assert.equal(delta('mooring_requests_total{model="lin",version="1",route="direct",code="200"}'), 1);
    assert.equal(delta('mooring_requests_total{model="lin",version="1",route="production",code="400"}'), 1);
    // An unknown model name is counted without its name: clients cannot mint series.
    assert.equal(delta('mooring_requests_total{model="",version="",route="production",code="404"}'), 1);
    assert.equal(delta('mooring_request_duration_seconds_count{model="lin",version="1",route="production"}'), 1);
    assert.equal(delta('mooring_inference_duration_seconds_count{model="lin",version="1"}'), 2);
    // Two rows per request: each row's first output value is one score observation.
    assert.equal(delta('mooring_prediction_score_count{model="lin",version="1"}'), 4);
  });

  it('logs failed requests that reached a version with their error code', async () => {
    const res = await t.post('/v2/models/lin/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] });
    assert.equal(res.status, 400);
    await t.ctx.predictions!.flush();
    const page = await t.ctx.predictionLog.query({ model: 'lin', status: 'error' });
    const logged = page.items.find((p) => p.id === res.headers['x-request-id']);
    assert.equal(logged?.error, 'SHAPE_MISMATCH');
    assert.equal(logged?.outputs, null);
  });
});
