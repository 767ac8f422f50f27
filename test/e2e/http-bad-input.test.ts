/**
 * Bad input over HTTP: every mistake a caller can make gets a 4xx with a JSON body whose `error` names the
 * problem and whose `code` is stable; none crashes the process or answers 5xx, and the server answers a good
 * request right after. A model that produces NaN is the model's fault: a 5xx NON_FINITE_OUTPUT, never `null`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildOnnxModel } from '../../src/runtime/onnx/onnx-graph-builder.js';
import { int64Model, linearModel, multiInputModel, nanModel, stringModel } from '../fixtures/models.js';
import { close, linearExpect, openTestApp, toJson } from '../helpers/harness.js';
import type { JsonResponse, TestApp } from '../helpers/harness.js';

let t: TestApp;
const linear = linearModel();

/** x UINT8 [-1,2] -> y = Identity(x); and x INT32 [-1,2] -> y = Identity(x): integer range checks. */
function identityModel(datatype: 'UINT8' | 'INT32'): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: 'x', datatype, shape: [-1, 2] }],
    outputs: [{ name: 'y', datatype, shape: [-1, 2] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    graphName: `identity_${datatype.toLowerCase()}`,
  });
}

before(async () => {
  t = await openTestApp();
  await t.register('linear', linear.bytes, { alias: 'production' });
  await t.register('multi', multiInputModel().bytes, { alias: 'production' });
  await t.register('int64', int64Model().bytes, { alias: 'production' });
  await t.register('string', stringModel().bytes, { alias: 'production' });
  await t.register('nan', nanModel().bytes, { alias: 'production' });
  await t.register('u8', identityModel('UINT8'), { alias: 'production' });
  await t.register('i32', identityModel('INT32'), { alias: 'production' });
});

after(async () => {
  await t?.close();
});

const X = [1, 2, 3, 4];
const good = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: X }] };

/** POSTs raw text (default Content-Type application/json). */
async function postRaw(url: string, payload: string, contentType: string | null = 'application/json'): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  return toJson(await t.inject({ method: 'POST', url, headers, payload }));
}

/** Asserts the JSON error answer: status, code, and an `error` message matching every pattern. */
function assertError(r: JsonResponse, status: number, code: string, ...mentions: RegExp[]): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers['content-type'] ?? '', /^application\/json/, r.text);
  assert.equal(typeof r.body?.error, 'string', r.text);
  assert.ok(r.body.error.length > 0);
  assert.equal(r.body.code, code, r.text);
  for (const m of mentions) assert.match(r.body.error, m);
}

/** An infer request with one input tensor. */
function one(name: string, datatype: unknown, shape: unknown, data: unknown): unknown {
  return { inputs: [{ name, datatype, shape, data }] };
}

/** The server still answers a good request correctly. */
async function stillServes(): Promise<void> {
  const r = await t.post('/v2/models/linear/infer', good);
  assert.equal(r.status, 200, r.text);
  assert.ok(close(r.body.outputs[0].data[0], linearExpect(linear, X)));
  const live = await t.get('/v2/health/live');
  assert.equal(live.status, 200);
}

describe('the body itself', () => {
  test('invalid JSON: 400 INVALID_JSON', async () => {
    assertError(await postRaw('/v2/models/linear/infer', '{"inputs": [{"name": "x",'), 400, 'INVALID_JSON', /JSON/);
    assertError(await postRaw('/v2/models/linear/infer', "{'inputs': []}"), 400, 'INVALID_JSON', /JSON/);
    assertError(await postRaw('/v1/models/linear:predict', '{"instances": [1, 2,]}'), 400, 'INVALID_JSON', /JSON/);
  });

  test('an empty body: 400 INVALID_JSON', async () => {
    assertError(await postRaw('/v2/models/linear/infer', ''), 400, 'INVALID_JSON', /empty/);
  });

  test('a body that is JSON but not an object: 400 INVALID_REQUEST', async () => {
    assertError(await t.post('/v2/models/linear/infer', [1, 2, 3]), 400, 'INVALID_REQUEST', /object/);
    assertError(await t.post('/v2/models/linear/infer', 'inputs'), 400, 'INVALID_REQUEST', /object/);
    assertError(await t.post('/v2/models/linear/infer', null), 400, 'INVALID_REQUEST', /object/);
  });

  test('an unsupported Content-Type: 4xx naming Content-Type', async () => {
    for (const ct of ['application/xml', 'application/x-www-form-urlencoded', null]) {
      const r = await postRaw('/v2/models/linear/infer', JSON.stringify(good), ct);
      assert.ok(r.status === 400 || r.status === 415, `${ct}: ${r.text}`);
      assert.equal(typeof r.body?.error, 'string', r.text);
      assert.match(r.body.error, /Content-Type/i, `${ct}: ${r.text}`);
    }
  });

  // Fastify's built-in text/plain parser and the admin routes' application/octet-stream parser (registered for
  // the whole app) accept these bodies on the inference routes, so the caller is told "must be a JSON object, got
  // <string>" or '"inputs" must be a non-empty array' about a body that is a perfectly good JSON object.
  for (const ct of ['text/plain', 'application/octet-stream']) {
    test(`Content-Type ${ct} on an inference route: 4xx naming Content-Type`, async () => {
      for (const url of ['/v2/models/linear/infer', '/v1/models/linear:predict']) {
        const body = url.startsWith('/v1') ? JSON.stringify({ instances: [X] }) : JSON.stringify(good);
        const r = await postRaw(url, body, ct);
        assert.ok(r.status === 400 || r.status === 415, `${url} ${ct}: ${r.text}`);
        assert.equal(typeof r.body?.error, 'string', r.text);
        assert.match(r.body.error, /Content-Type/i, `${url} ${ct}: ${r.text}`);
      }
    });
  }

  test('a __proto__ key anywhere: 400 INVALID_JSON naming the key', async () => {
    const body = '{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4], "__proto__": {"polluted": true}}]}';
    assertError(await postRaw('/v2/models/linear/infer', body), 400, 'INVALID_JSON', /__proto__/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
    const ctor = '{"instances": [[1, 2, 3, 4]], "x": {"constructor": {"prototype": {"polluted": true}}}}';
    assertError(await postRaw('/v1/models/linear:predict', ctor), 400, 'INVALID_JSON', /constructor/);
  });

  test('"inputs" missing or empty: 400 INVALID_REQUEST naming "inputs"', async () => {
    assertError(await t.post('/v2/models/linear/infer', {}), 400, 'INVALID_REQUEST', /"inputs"/);
    assertError(await t.post('/v2/models/linear/infer', { inputs: [] }), 400, 'INVALID_REQUEST', /"inputs"/);
    assertError(await t.post('/v2/models/linear/infer', { inputs: 'x' }), 400, 'INVALID_REQUEST', /"inputs"/);
  });

  test('"id" not a string: 400 INVALID_REQUEST naming "id"', async () => {
    assertError(await t.post('/v2/models/linear/infer', { ...good, id: 42 }), 400, 'INVALID_REQUEST', /"id"/);
  });
});

describe('tensors', () => {
  test('a datatype that does not exist: 400 INVALID_DATATYPE naming it', async () => {
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FLOAT32', [1, 4], X)), 400, 'INVALID_DATATYPE', /FLOAT32/, /"x"/);
    assertError(await t.post('/v2/models/linear/infer', one('x', 'fp32', [1, 4], X)), 400, 'INVALID_DATATYPE', /fp32/);
    assertError(await t.post('/v2/models/linear/infer', one('x', null, [1, 4], X)), 400, 'INVALID_DATATYPE');
  });

  test('a datatype other than the model declares: 400 INVALID_DATATYPE naming both', async () => {
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP64', [1, 4], X)), 400, 'INVALID_DATATYPE', /FP64/, /FP32/);
    assertError(await t.post('/v2/models/linear/infer', one('x', 'INT32', [1, 4], X)), 400, 'INVALID_DATATYPE', /INT32/, /FP32/);
  });

  test('a shape that does not match the data length: 400 SHAPE_MISMATCH', async () => {
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [2, 4], X)), 400, 'SHAPE_MISMATCH', /8/, /4/);
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [1, 4], [1, 2, 3])), 400, 'SHAPE_MISMATCH');
    // nested unevenly
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [2, 4], [[1, 2, 3, 4], [1, 2, 3]])), 400, 'SHAPE_MISMATCH');
    // nested deeper than the rank
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [1, 4], [[[1, 2, 3, 4]]])), 400, 'SHAPE_MISMATCH');
  });

  test('a shape the model does not take: 400 SHAPE_MISMATCH naming the expected shape', async () => {
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [2, 2], X)), 400, 'SHAPE_MISMATCH', /-1, 4/);
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [4], X)), 400, 'SHAPE_MISMATCH');
  });

  test('a malformed shape: 400 SHAPE_MISMATCH', async () => {
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [-1, 4], X)), 400, 'SHAPE_MISMATCH', /shape/);
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [1.5, 4], X)), 400, 'SHAPE_MISMATCH', /shape/);
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', '1,4', X)), 400, 'SHAPE_MISMATCH', /shape/);
  });

  test('a shape far beyond the element limit: 400 before anything is allocated', async () => {
    const r = await t.post('/v2/models/linear/infer', one('x', 'FP32', [1_000_000_000, 4], X));
    assertError(r, 400, 'INVALID_REQUEST', /limit/);
  });

  test('data that is not an array, or holds the wrong kind of value: 400', async () => {
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [1, 4], 'abcd')), 400, 'INVALID_REQUEST', /array/);
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [1, 4], [1, 2, '3', 4])), 400, 'VALUE_OUT_OF_RANGE', /element 2/);
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [1, 4], [1, 2, null, 4])), 400, 'VALUE_OUT_OF_RANGE', /element 2/);
    assertError(await t.post('/v2/models/string/infer', one('text', 'BYTES', [2], ['a', 7])), 400, 'VALUE_OUT_OF_RANGE', /element 1/);
  });

  test('no "data": 400 naming the input', async () => {
    const r = await t.post('/v2/models/linear/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }] });
    assertError(r, 400, 'INVALID_REQUEST', /"x"/, /data/);
  });

  test('an unknown input: 400 UNKNOWN_INPUT naming it', async () => {
    assertError(await t.post('/v2/models/linear/infer', one('features', 'FP32', [1, 4], X)), 400, 'UNKNOWN_INPUT', /"features"/);
    const extra = { inputs: [...good.inputs, { name: 'z', datatype: 'FP32', shape: [1, 4], data: X }] };
    assertError(await t.post('/v2/models/linear/infer', extra), 400, 'UNKNOWN_INPUT', /"z"/);
  });

  test('a missing input: 400 MISSING_INPUT naming it', async () => {
    assertError(await t.post('/v2/models/multi/infer', one('a', 'FP32', [1, 2], [1, 2])), 400, 'MISSING_INPUT', /"b"/);
  });

  test('the same input twice: 400 DUPLICATE_INPUT', async () => {
    const twice = { inputs: [good.inputs[0], good.inputs[0]] };
    assertError(await t.post('/v2/models/linear/infer', twice), 400, 'DUPLICATE_INPUT', /"x"/);
  });

  test('inputs that disagree on the batch dimension: 400 SHAPE_MISMATCH', async () => {
    const body = {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 2], data: [1, 2] },
        { name: 'b', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] },
      ],
    };
    assertError(await t.post('/v2/models/multi/infer', body), 400, 'SHAPE_MISMATCH', /batch/);
  });

  test('an unknown output in the outputs filter: 400 UNKNOWN_OUTPUT naming it', async () => {
    assertError(await t.post('/v2/models/linear/infer', { ...good, outputs: [{ name: 'z' }] }), 400, 'UNKNOWN_OUTPUT', /"z"/);
    assertError(await t.post('/v2/models/linear/infer', { ...good, outputs: [{ name: 'y' }, { name: 'y' }] }), 400, 'INVALID_REQUEST', /"y"/);
    assertError(await t.post('/v2/models/linear/infer', { ...good, outputs: 'y' }), 400, 'INVALID_REQUEST', /"outputs"/);
  });
});

describe('numbers', () => {
  test('1e400 (Infinity after parsing): 400 NON_FINITE_NUMBER', async () => {
    const body = '{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 1e400, 4]}]}';
    assertError(await postRaw('/v2/models/linear/infer', body), 400, 'NON_FINITE_NUMBER', /element 2/, /Infinity/);
    const neg = '{"instances": [[1, -1e400, 3, 4]]}';
    assertError(await postRaw('/v1/models/linear:predict', neg), 400, 'NON_FINITE_NUMBER', /instance 0/);
  });

  test('a finite number that overflows FP32: 400 NON_FINITE_NUMBER', async () => {
    assertError(await t.post('/v2/models/linear/infer', one('x', 'FP32', [1, 4], [1, 2, 1e39, 4])), 400, 'NON_FINITE_NUMBER', /FP32/);
  });

  test('300 for UINT8: 400 VALUE_OUT_OF_RANGE naming the range', async () => {
    assertError(await t.post('/v2/models/u8/infer', one('x', 'UINT8', [1, 2], [1, 300])), 400, 'VALUE_OUT_OF_RANGE', /300/, /255/);
    assertError(await t.post('/v2/models/u8/infer', one('x', 'UINT8', [1, 2], [-1, 3])), 400, 'VALUE_OUT_OF_RANGE', /-1/);
    const ok = await t.post('/v2/models/u8/infer', one('x', 'UINT8', [1, 2], [0, 255]));
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.outputs[0].data, [0, 255]);
  });

  test('1.5 for INT32, and 2^31 for INT32: 400 VALUE_OUT_OF_RANGE', async () => {
    assertError(await t.post('/v2/models/i32/infer', one('x', 'INT32', [1, 2], [1.5, 3])), 400, 'VALUE_OUT_OF_RANGE', /1\.5/, /whole/);
    assertError(await t.post('/v2/models/i32/infer', one('x', 'INT32', [1, 2], [2 ** 31, 3])), 400, 'VALUE_OUT_OF_RANGE', /2147483648/);
  });

  test('an INT64 JSON number above 2^53: 400 VALUE_OUT_OF_RANGE advising strings', async () => {
    const body = '{"inputs": [{"name": "ids", "datatype": "INT64", "shape": [1, 3], "data": [1, 9007199254740993, 3]}]}';
    assertError(await postRaw('/v2/models/int64/infer', body), 400, 'VALUE_OUT_OF_RANGE', /element 1/, /string/);
  });

  test('an INT64 string beyond the 64-bit range or not a number: 400 VALUE_OUT_OF_RANGE', async () => {
    assertError(await t.post('/v2/models/int64/infer', one('ids', 'INT64', [1, 3], ['9223372036854775808', 1, 2])), 400, 'VALUE_OUT_OF_RANGE', /range/);
    assertError(await t.post('/v2/models/int64/infer', one('ids', 'INT64', [1, 3], ['12abc', 1, 2])), 400, 'VALUE_OUT_OF_RANGE', /12abc/);
  });
});

describe('unknown things', () => {
  test('an unknown model: 404 MODEL_NOT_FOUND naming it', async () => {
    assertError(await t.post('/v2/models/ghost/infer', good), 404, 'MODEL_NOT_FOUND', /ghost/);
    assertError(await t.post('/v2/models/ghost/versions/1/infer', good), 404, 'MODEL_NOT_FOUND', /ghost/);
  });

  test('an unknown version or alias: 404 naming it', async () => {
    assertError(await t.post('/v2/models/linear/versions/42/infer', good), 404, 'VERSION_NOT_FOUND', /42/);
    assertError(await t.post('/v2/models/linear/versions/shadow/infer', good), 404, 'ALIAS_NOT_FOUND', /shadow/);
  });

  test('an unknown route or method: 404 ROUTE_NOT_FOUND', async () => {
    assertError(await t.get('/v2/models/linear/infer'), 404, 'ROUTE_NOT_FOUND');
    assertError(await t.post('/v3/models/linear/infer', good), 404, 'ROUTE_NOT_FOUND');
  });

  test('a hostile model name in the path: 4xx', async () => {
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(1000)]) {
      const r = await t.post(`/v2/models/${name}/infer`, good);
      assert.ok(r.status >= 400 && r.status < 500, `${name}: ${r.status} ${r.text}`);
      assert.equal(typeof r.body?.error, 'string', r.text);
    }
  });
});

describe('the binary tensor extension is declined clearly', () => {
  test('binary_data_output: 501 NOT_IMPLEMENTED naming the parameter', async () => {
    const r = await t.post('/v2/models/linear/infer', { ...good, parameters: { binary_data_output: true } });
    assertError(r, 501, 'NOT_IMPLEMENTED', /binary_data_output/);
  });
});

describe('deep nesting never crashes the server', () => {
  const depth = 100_000;

  test('100,000 levels of arrays in "data": 4xx', async () => {
    const data = '['.repeat(depth) + '1' + ']'.repeat(depth);
    const body = `{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": ${data}}]}`;
    const r = await postRaw('/v2/models/linear/infer', body);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
    assert.equal(typeof r.body?.error, 'string');
  });

  test('100,000 levels of objects in the body: 4xx', async () => {
    const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    for (const body of [
      `{"inputs": ${nested}}`,
      `{"id": ${nested}, "inputs": []}`,
      `{"parameters": ${nested}, "inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]}`,
    ]) {
      const r = await postRaw('/v2/models/linear/infer', body);
      // A request-level "parameters" object is free-form in the spec, so the third may be answered 200.
      assert.ok(r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
      assert.equal(typeof r.body, 'object');
    }
  });

  test('100,000 levels in records instances: 4xx', async () => {
    const rows = '['.repeat(depth) + '1' + ']'.repeat(depth);
    const r = await postRaw('/v1/models/linear:predict', `{"instances": ${rows}}`);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
    assert.equal(typeof r.body?.error, 'string');
  });

  test('and a __proto__ scan over deep nesting does not overflow either', async () => {
    const nested = '{"__proto__":'.repeat(1) + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth + 1);
    const r = await postRaw('/v2/models/linear/infer', `{"inputs": [], "x": ${nested}}`);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
  });

  test('the server still answers a good request', stillServes);
});

describe('an oversized body', () => {
  let small: TestApp;
  before(async () => {
    small = await openTestApp({ overrides: { server: { bodyLimitBytes: 2048 } } });
    await small.register('linear', linear.bytes, { alias: 'production' });
  });
  after(async () => {
    await small?.close();
  });

  test('over server.bodyLimitBytes: 413 PAYLOAD_TOO_LARGE, then a good request still answers', async () => {
    const big = one('x', 'FP32', [1000, 4], Array.from({ length: 4000 }, (_, i) => i % 7));
    const r = toJson(
      await small.inject({ method: 'POST', url: '/v2/models/linear/infer', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(big) }),
    );
    assertError(r, 413, 'PAYLOAD_TOO_LARGE', /large/);
    const rec = await small.post('/v1/models/linear:predict', { instances: Array.from({ length: 500 }, () => X) });
    assertError(rec, 413, 'PAYLOAD_TOO_LARGE');
    const ok = await small.post('/v2/models/linear/infer', good);
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('a model that produces NaN', () => {
  test('is refused as the model\'s fault (5xx NON_FINITE_OUTPUT), never sent as null', async () => {
    const r = await t.post('/v2/models/nan/infer', one('x', 'FP32', [2, 1], [4, -1]));
    assert.ok(r.status >= 500 && r.status < 600, r.text);
    assert.equal(r.body.code, 'NON_FINITE_OUTPUT', r.text);
    assert.match(r.body.error, /NaN/);
    assert.match(r.body.error, /"y"/);
    assert.ok(!('outputs' in r.body), `no outputs in ${r.text}`);
    assert.doesNotMatch(r.text, /\[[^\]]*null/, 'no null element anywhere');
    const rec = await t.post('/v1/models/nan:predict', { instances: [[-4]] });
    assert.ok(rec.status >= 500, rec.text);
    assert.equal(rec.body.code, 'NON_FINITE_OUTPUT', rec.text);
  });

  test('the same model answers finite inputs', async () => {
    const r = await t.post('/v2/models/nan/infer', one('x', 'FP32', [2, 1], [4, 0.25]));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.outputs[0].data, [2, 0.5]);
  });

  test('after all of it the server still answers a good request', stillServes);
});
