/**
 * JSON pitfalls, each with one defined answer on both inference endpoints (v2 infer and records): prototype keys,
 * duplicate keys, integers past 2^53, numbers that overflow, NaN and Infinity, "NaN" as a string, hostile nesting and
 * nesting exactly at the limit (`limits.maxJsonDepth`, default 64). The rules are in docs/reference/http-api.md
 * ("JSON rules").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { int64Model, linearModel } from '../fixtures/models.js';
import { close, linearExpect, openTestApp, toJson } from '../helpers/harness.js';
import type { JsonResponse, TestApp } from '../helpers/harness.js';

let t: TestApp;
const linear = linearModel();
const X = [1, 2, 3, 4];
const V2 = '/v2/models/linear/infer';
const RECORDS = '/v1/models/linear:predict';
const V2_INT64 = '/v2/models/int64/infer';
const RECORDS_INT64 = '/v1/models/int64:predict';

before(async () => {
  t = await openTestApp();
  await t.register('linear', linear.bytes, { alias: 'production' });
  await t.register('int64', int64Model().bytes, { alias: 'production' });
});

after(async () => {
  await t?.close();
});

/** POSTs raw JSON text. */
async function postRaw(url: string, payload: string, app: TestApp = t): Promise<JsonResponse> {
  return toJson(await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload }));
}

/** Asserts a coded JSON error answer whose message matches every pattern. */
function assertError(r: JsonResponse, status: number, code: string, ...mentions: RegExp[]): void {
  assert.equal(r.status, status, r.text.slice(0, 500));
  assert.match(r.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(r.body?.code, code, r.text.slice(0, 500));
  assert.equal(typeof r.body.error, 'string');
  for (const m of mentions) assert.match(r.body.error, m);
}

/** A v2 body for the linear model with `tensorExtra` inside the tensor and `topExtra` after "inputs" (raw JSON). */
function v2(data = '[1, 2, 3, 4]', tensorExtra = '', topExtra = ''): string {
  return `{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": ${data}${tensorExtra}}]${topExtra}}`;
}

/** A records body for the linear model: one instance `row`, `topExtra` after "instances" (raw JSON). */
function records(row = '[1, 2, 3, 4]', topExtra = ''): string {
  return `{"instances": [${row}]${topExtra}}`;
}

function int64V2(data: string): string {
  return `{"inputs": [{"name": "ids", "datatype": "INT64", "shape": [1, 3], "data": ${data}}]}`;
}

function assertNotPolluted(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
  assert.ok(!Object.hasOwn(Object.prototype, 'polluted'));
}

/** Good requests still get the right answer on both endpoints. */
async function stillServes(): Promise<void> {
  const r = await t.post(V2, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: X }] });
  assert.equal(r.status, 200, r.text);
  assert.ok(close(r.body.outputs[0].data[0], linearExpect(linear, X)));
  const rec = await t.post(RECORDS, { instances: [X] });
  assert.equal(rec.status, 200, rec.text);
  assert.ok(close(rec.body.predictions[0][0], linearExpect(linear, X)));
}

describe('prototype keys: 400 INVALID_JSON, nothing polluted', () => {
  const payload = '{"polluted": true}';

  test('"__proto__" anywhere, also spelled with escapes', async () => {
    assertError(await postRaw(V2, v2(undefined, `, "__proto__": ${payload}`)), 400, 'INVALID_JSON', /"__proto__"/, /\$\.inputs\[0\]/);
    assertError(await postRaw(V2, v2(undefined, '', `, "__proto__": ${payload}`)), 400, 'INVALID_JSON', /"__proto__"/);
    assertError(await postRaw(V2, v2(undefined, '', `, "\\u005f_proto__": ${payload}`)), 400, 'INVALID_JSON', /"__proto__"/);
    assertError(await postRaw(RECORDS, records(`{"__proto__": ${payload}}`)), 400, 'INVALID_JSON', /"__proto__"/, /\$\.instances\[0\]/);
    assertError(await postRaw(RECORDS, records(undefined, `, "__proto__": ${payload}`)), 400, 'INVALID_JSON', /"__proto__"/);
    assertNotPolluted();
  });

  test('"prototype" inside a "constructor" object', async () => {
    const ctor = `{"constructor": {"prototype": ${payload}}}`;
    assertError(await postRaw(V2, v2(undefined, '', `, "parameters": ${ctor}`)), 400, 'INVALID_JSON', /constructor\.prototype/, /\$\.parameters/);
    assertError(await postRaw(RECORDS, records(undefined, `, "x": ${ctor}`)), 400, 'INVALID_JSON', /constructor\.prototype/, /\$\.x/);
    assertNotPolluted();
  });

  test('a plain "constructor" key is inert data: ignored where unknown keys are, an unknown input in a records row', async () => {
    const r = await postRaw(V2, v2(undefined, '', ', "constructor": 1'));
    assert.equal(r.status, 200, r.text);
    const rec = await postRaw(RECORDS, records(undefined, ', "constructor": {"a": 1}'));
    assert.equal(rec.status, 200, rec.text);
    assertError(await postRaw(RECORDS, records('{"x": [1, 2, 3, 4], "constructor": 1}')), 400, 'UNKNOWN_INPUT', /"constructor"/);
    assertNotPolluted();
  });
});

describe('duplicate keys: 400 INVALID_JSON naming the key and the object', () => {
  test('in a tensor, at the top, in a records row', async () => {
    const r = await postRaw(V2, v2(undefined, ', "name": "y"'));
    assertError(r, 400, 'INVALID_JSON', /"name" twice/, /\$\.inputs\[0\]/);
    assert.deepEqual(r.body.details, { path: '$.inputs[0]', key: 'name' });
    assertError(await postRaw(V2, `{"inputs": [], ${v2().slice(1)}`), 400, 'INVALID_JSON', /"inputs" twice/, / \$[^.[]/);
    assertError(await postRaw(RECORDS, `{"instances": [[0, 0, 0, 0]], ${records().slice(1)}`), 400, 'INVALID_JSON', /"instances" twice/);
    const keyed = records('{"x": [1, 2, 3, 4], "x": [5, 6, 7, 8]}');
    assertError(await postRaw(RECORDS, keyed), 400, 'INVALID_JSON', /"x" twice/, /\$\.instances\[0\]/);
  });

  test('escaped and plain spellings of one key are the same key', async () => {
    assertError(await postRaw(V2, v2(undefined, ', "n\\u0061me": "y"')), 400, 'INVALID_JSON', /"name" twice/);
    assertError(await postRaw(RECORDS, `{"instances": [[0, 0, 0, 0]], "\\u0069nstances": [[1, 2, 3, 4]]}`), 400, 'INVALID_JSON', /"instances" twice/);
  });
});

describe('numbers', () => {
  test('an INT64 JSON number past 2^53 - 1: 400 VALUE_OUT_OF_RANGE advising a decimal string', async () => {
    for (const big of ['9007199254740993', '9007199254740992', '-9007199254740993', '18446744073709551615']) {
      assertError(await postRaw(V2_INT64, int64V2(`[1, ${big}, 3]`)), 400, 'VALUE_OUT_OF_RANGE', /element 1/, /string/);
      assertError(await postRaw(RECORDS_INT64, `{"instances": [[1, ${big}, 3]]}`), 400, 'VALUE_OUT_OF_RANGE', /instance 0/, /string/);
    }
  });

  test('as a decimal string the same value is taken exactly (and answered as a string past 2^53)', async () => {
    const r = await postRaw(V2_INT64, int64V2('["9007199254740993", 1, "-9007199254740993"]'));
    assert.equal(r.status, 200, r.text);
    // doubled = ids * 2
    assert.deepEqual(r.body.outputs.find((o: { name: string }) => o.name === 'doubled').data, ['18014398509481986', 2, '-18014398509481986']);
    const rec = await postRaw(RECORDS_INT64, '{"instances": [["9007199254740993", 9007199254740991, -9007199254740991]]}');
    assert.equal(rec.status, 200, rec.text);
    assert.deepEqual(rec.body.predictions[0].doubled, ['18014398509481986', '18014398509481982', '-18014398509481982']);
  });

  test('1e400 (Infinity once parsed): 400 NON_FINITE_NUMBER', async () => {
    assertError(await postRaw(V2, v2('[1, 2, 1e400, 4]')), 400, 'NON_FINITE_NUMBER', /element 2/);
    assertError(await postRaw(V2, v2('[1, 2, -1e400, 4]')), 400, 'NON_FINITE_NUMBER', /element 2/);
    assertError(await postRaw(RECORDS, records('[1, 2, 1e400, 4]')), 400, 'NON_FINITE_NUMBER', /instance 0/);
  });

  test('1e-400 underflows to 0 in the parser and is taken as 0', async () => {
    const r = await postRaw(V2, v2('[1e-400, 2, 3, 4]'));
    assert.equal(r.status, 200, r.text);
    assert.ok(close(r.body.outputs[0].data[0], linearExpect(linear, [0, 2, 3, 4])));
  });

  test('NaN and Infinity literals are not JSON: 400 INVALID_JSON', async () => {
    for (const lit of ['NaN', 'Infinity', '-Infinity']) {
      assertError(await postRaw(V2, v2(`[1, 2, ${lit}, 4]`)), 400, 'INVALID_JSON', /not valid JSON/);
      assertError(await postRaw(RECORDS, records(`[1, 2, ${lit}, 4]`)), 400, 'INVALID_JSON', /not valid JSON/);
    }
  });

  test('"NaN" (and "Infinity") as a string element of FP32: 400 VALUE_OUT_OF_RANGE, not a number', async () => {
    for (const s of ['"NaN"', '"Infinity"', '"1.5"']) {
      assertError(await postRaw(V2, v2(`[1, 2, ${s}, 4]`)), 400, 'VALUE_OUT_OF_RANGE', /element 2/, /not a number/);
      assertError(await postRaw(RECORDS, records(`[1, 2, ${s}, 4]`)), 400, 'VALUE_OUT_OF_RANGE', /instance 0/, /not a number/);
    }
  });
});

describe('nesting', () => {
  const deep = 100_000;

  test('100,000 levels: 400 INVALID_JSON naming the limit and the path, and the process is fine', async () => {
    const arrays = '['.repeat(deep) + ']'.repeat(deep);
    const objects = '{"a":'.repeat(deep) + '1' + '}'.repeat(deep);
    assertError(await postRaw(V2, v2(arrays)), 400, 'INVALID_JSON', /nested deeper than 64 levels/, /\$\.inputs\[0\]\.data\[0\]/);
    assertError(await postRaw(V2, v2(undefined, '', `, "parameters": ${objects}`)), 400, 'INVALID_JSON', /deeper than 64/, /\$\.parameters\.a\.a/);
    assertError(await postRaw(RECORDS, `{"instances": ${arrays}}`), 400, 'INVALID_JSON', /deeper than 64/, /\$\.instances\[0\]/);
    assertError(await postRaw(RECORDS, records(objects)), 400, 'INVALID_JSON', /deeper than 64/);
    await stillServes();
  });

  test('exactly 64 levels passes the parser (the endpoint then judges the content); 65 does not', async () => {
    // v2: body, inputs, tensor and 61 levels of data = 64; the data is nested deeper than the shape allows.
    const data = (k: number): string => '['.repeat(k) + '1, 2, 3, 4' + ']'.repeat(k);
    assertError(await postRaw(V2, v2(data(61))), 400, 'SHAPE_MISMATCH', /nested deeper than shape/);
    assertError(await postRaw(V2, v2(data(62))), 400, 'INVALID_JSON', /deeper than 64/);
    // Free-form request parameters 63 objects deep: body + 63 = 64 levels, answered.
    const params = (k: number): string => '{"a":'.repeat(k) + '1' + '}'.repeat(k);
    const ok = await postRaw(V2, v2(undefined, '', `, "parameters": ${params(63)}`));
    assert.equal(ok.status, 200, ok.text.slice(0, 300));
    assertError(await postRaw(V2, v2(undefined, '', `, "parameters": ${params(64)}`)), 400, 'INVALID_JSON', /deeper than 64/);
    // records: body, instances and 62 levels of row = 64.
    assertError(await postRaw(RECORDS, `{"instances": [${data(62)}]}`), 400, 'SHAPE_MISMATCH');
    assertError(await postRaw(RECORDS, `{"instances": [${data(63)}]}`), 400, 'INVALID_JSON', /deeper than 64/);
    const okRec = await postRaw(RECORDS, records(undefined, `, "meta": ${params(63)}`));
    assert.equal(okRec.status, 200, okRec.text.slice(0, 300));
  });

  test('the limit is limits.maxJsonDepth', async () => {
    const small = await openTestApp({ overrides: { limits: { maxJsonDepth: 5 } } });
    try {
      await small.register('linear', linear.bytes, { alias: 'production' });
      const ok = await postRaw(V2, v2('[[1, 2, 3, 4]]'), small);
      assert.equal(ok.status, 200, ok.text);
      assertError(await postRaw(V2, v2('[[[1, 2, 3, 4]]]'), small), 400, 'INVALID_JSON', /deeper than 5 levels at \$\.inputs\[0\]\.data\[0\]\[0\]/);
    } finally {
      await small.close();
    }
  });

  test('after all of it the server still answers good requests', stillServes);
});
