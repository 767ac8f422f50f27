/**
 * The admin HTTP API end to end: the bearer token on every /api route but health and the OpenAPI document,
 * registration through artifact upload + version creation, aliases, deploy (goes live at once), rollback,
 * alias history and point-in-time lookups, audit records, the OpenAPI document, /api/health, and the failure
 * paths that must leave the serving version in place: a tampered artifact and a version whose warm-up fails.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildOnnxModel } from '../../src/runtime/onnx/onnx-graph-builder.js';
import { garbageBytes, linearModel, linearModelV2 } from '../fixtures/models.js';
import { close, linearExpect, openTestApp, toJson } from '../helpers/harness.js';
import type { JsonResponse, TestApp } from '../helpers/harness.js';

let t: TestApp;
const linear = linearModel();
const linear2 = linearModelV2();
const X = [1, 2, 3, 4];
const T0 = Date.UTC(2030, 0, 1);
let now = T0;

before(async () => {
  // Every read of the clock moves it one second on, so every alias event has its own instant.
  t = await openTestApp({ clock: () => (now += 1000) });
});

after(async () => {
  await t?.close();
});

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Uploads artifact bytes; returns the digest. */
async function upload(bytes: Uint8Array): Promise<string> {
  const r = toJson(
    await t.adminInject({ method: 'POST', url: '/api/artifacts', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(bytes) }),
  );
  assert.equal(r.status, 201, r.text);
  return r.body.sha256;
}

/** Uploads and registers a version over HTTP, as `api:<actor>`. */
async function registerHttp(name: string, bytes: Uint8Array, extra: Record<string, unknown> = {}, actor?: string): Promise<JsonResponse> {
  const digest = await upload(bytes);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (actor) headers['x-mooring-actor'] = actor;
  return toJson(await t.adminInject({ method: 'POST', url: `/api/models/${name}/versions`, headers, payload: JSON.stringify({ artifact_sha256: digest, ...extra }) }));
}

/** The production answer for x = X: the version that answered and y. */
async function served(name: string): Promise<{ version: string; y: number }> {
  const r = await t.post(`/v2/models/${name}/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: X }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['x-model-version'], r.body.model_version);
  return { version: r.body.model_version, y: r.body.outputs[0].data[0] };
}

/** Asserts that production of `name` is answered by `version` with that version's weights. */
async function assertServing(name: string, version: string, weights: { weights: readonly number[]; bias: number }): Promise<void> {
  const s = await served(name);
  assert.equal(s.version, version, `model ${name} answers version ${version}`);
  assert.ok(close(s.y, linearExpect(weights, X)), `y ${s.y} is version ${version}'s answer`);
}

function assertError(r: JsonResponse, status: number, code: string, mentions?: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.code, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  if (mentions) assert.match(r.body.error, mentions);
}

describe('authentication', () => {
  const routes: Array<[method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown]> = [
    ['GET', '/api/models'],
    ['GET', '/api/models/iris'],
    ['GET', '/api/models/iris/versions/1'],
    ['POST', '/api/artifacts', 'bytes'],
    ['POST', '/api/models/iris/versions', { artifact_sha256: '0'.repeat(64) }],
    ['PUT', '/api/models/iris/aliases/champion', { version: 1 }],
    ['DELETE', '/api/models/iris/aliases/champion'],
    ['GET', '/api/models/iris/aliases/production/at?time=0'],
    ['POST', '/api/models/iris/deploy', { version: 1 }],
    ['POST', '/api/models/iris/rollback', {}],
    ['GET', '/api/models/iris/history'],
    ['GET', '/api/models/iris/versions/1/profile'],
    ['GET', '/api/models/iris/deployment'],
    ['PUT', '/api/models/iris/deployment', { policy: {} }],
    ['GET', '/api/models/iris/deployment/history'],
    ['GET', '/api/audit'],
    ['GET', '/api/models/iris/drift'],
    ['GET', '/api/models/iris/predictions'],
    ['GET', '/api/models/iris/accuracy'],
    ['POST', '/api/feedback', { id: 'r1', label: true }],
    ['GET', '/api/alerts'],
    ['GET', '/api/alerts/rules'],
    ['PUT', '/api/alerts/rules/r', { model: 'iris', signal: 'error_rate', op: '>', threshold: 0.1 }],
    ['GET', '/api/alerts/history'],
    ['POST', '/api/monitoring/run', {}],
    ['GET', '/api/no-such-route'],
  ];

  for (const [method, url, body] of routes) {
    test(`${method} ${url}: 401 without a token, with a wrong one, with a wrong scheme`, async () => {
      for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${t.token}`, `Bearer ${t.token}x`, `bearer ${t.token.slice(0, -1)}`, t.token]) {
        const headers: Record<string, string> = {};
        if (authorization !== undefined) headers.authorization = authorization;
        if (body === 'bytes') headers['content-type'] = 'application/octet-stream';
        else if (body !== undefined) headers['content-type'] = 'application/json';
        const payload = body === undefined ? undefined : body === 'bytes' ? Buffer.from('abc') : JSON.stringify(body);
        const r = toJson(await t.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) }));
        assertError(r, 401, 'UNAUTHORIZED', /token/);
      }
    });
  }

  test('/api/health and /api/openapi.json answer without a token', async () => {
    assert.equal((await t.get('/api/health')).status, 200);
    assert.equal((await t.get('/api/openapi.json')).status, 200);
    assert.equal((await t.get('/api/health?verbose=1')).status, 200);
  });

  test('the inference routes need no token', async () => {
    assert.equal((await t.get('/v2/models')).status, 200);
  });
});

describe('registration over HTTP', () => {
  test('POST /api/artifacts stores the bytes and answers their sha256', async () => {
    const r = toJson(
      await t.adminInject({ method: 'POST', url: '/api/artifacts', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(linear.bytes) }),
    );
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body, { sha256: sha256(linear.bytes), size_bytes: linear.bytes.length, format: 'onnx' });
  });

  test('an empty upload: 400', async () => {
    const r = toJson(await t.adminInject({ method: 'POST', url: '/api/artifacts', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(0) }));
    assert.equal(r.status, 400, r.text);
    assert.equal(typeof r.body.error, 'string');
  });

  test('version 1 with every piece of metadata and an alias; the signature is read from the file', async () => {
    const r = await registerHttp(
      'iris',
      linear.bytes,
      {
        metrics: { auc: 0.91, f1: 0.8 },
        params: { lr: '0.01', depth: '3' },
        tags: { team: 'ml' },
        dataset_version: 'ds-2024-05',
        trained_at: '2024-05-01T12:00:00Z',
        description: 'first cut',
        source: 'run-42',
        alias: 'production',
      },
      'alice',
    );
    assert.equal(r.status, 201, r.text);
    const v = r.body;
    assert.equal(v.name, 'iris');
    assert.equal(v.version, 1);
    assert.deepEqual(v.aliases, ['production']);
    assert.deepEqual(v.artifact, { sha256: sha256(linear.bytes), size_bytes: linear.bytes.length, format: 'onnx' });
    assert.deepEqual(v.signature, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
    });
    assert.deepEqual(v.metrics, { auc: 0.91, f1: 0.8 });
    assert.deepEqual(v.params, { lr: '0.01', depth: '3' });
    assert.deepEqual(v.tags, { team: 'ml' });
    assert.equal(v.dataset_version, 'ds-2024-05');
    assert.equal(v.trained_at, '2024-05-01T12:00:00.000Z');
    assert.equal(v.description, 'first cut');
    assert.equal(v.source, 'run-42');
    assert.equal(v.created_by, 'api:alice');
    assert.match(v.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    await assertServing('iris', '1', linear);
  });

  test('versions 2 and 3 are numbered in order', async () => {
    const v2 = await registerHttp('iris', linear2.bytes, { trained_at: Date.UTC(2024, 5, 1) });
    assert.equal(v2.status, 201, v2.text);
    assert.equal(v2.body.version, 2);
    assert.equal(v2.body.trained_at, '2024-06-01T00:00:00.000Z');
    assert.deepEqual(v2.body.aliases, []);
    assert.equal(v2.body.created_by, 'api:api');
    const v3 = await registerHttp('iris', linear.bytes, { metrics: { auc: 0.95 } });
    assert.equal(v3.status, 201, v3.text);
    assert.equal(v3.body.version, 3);
    // Registering does not move production.
    await assertServing('iris', '1', linear);
  });

  test('reading back: the model, its versions, one version by number, alias, latest and v<N>', async () => {
    const list = await t.admin('GET', '/api/models');
    assert.equal(list.status, 200, list.text);
    const iris = list.body.models.find((m: { name: string }) => m.name === 'iris');
    assert.equal(iris.latest_version, 3);
    assert.deepEqual(iris.aliases, { production: 1 });
    const detail = await t.admin('GET', '/api/models/iris');
    assert.equal(detail.status, 200, detail.text);
    assert.deepEqual(
      detail.body.versions.map((v: { version: number }) => v.version),
      [1, 2, 3],
    );
    for (const [selector, version] of [['2', 2], ['production', 1], ['latest', 3], ['v2', 2]] as const) {
      const r = await t.admin('GET', `/api/models/iris/versions/${selector}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.version, version, selector);
    }
  });

  test('errors: unknown digest 404, malformed digest 400, not a model 422, unknown model 404', async () => {
    const missing = await t.admin('POST', '/api/models/iris/versions', { artifact_sha256: 'a'.repeat(64) });
    assertError(missing, 404, 'ARTIFACT_NOT_FOUND');
    const malformed = await t.admin('POST', '/api/models/iris/versions', { artifact_sha256: '../../etc/passwd' });
    assert.equal(malformed.status, 400, malformed.text);
    const garbage = await registerHttp('junk', garbageBytes());
    assertError(garbage, 422, 'INVALID_MODEL');
    const badName = await registerHttp('bad name!', linear.bytes);
    assert.equal(badName.status, 400, badName.text);
    const unknown = await t.admin('GET', '/api/models/ghost');
    assertError(unknown, 404, 'MODEL_NOT_FOUND', /ghost/);
    const noVersion = await t.admin('GET', '/api/models/iris/versions/9');
    assertError(noVersion, 404, 'VERSION_NOT_FOUND');
    const badMetric = await registerHttp('iris', linear.bytes, { metrics: { auc: 'high' } });
    assert.equal(badMetric.status, 400, badMetric.text);
    const badTime = await registerHttp('iris', linear.bytes, { trained_at: 'last tuesday' });
    assertError(badTime, 400, 'INVALID_TIME', /trained_at/);
    // None of the refused calls created a version.
    const detail = await t.admin('GET', '/api/models/iris');
    assert.equal(detail.body.latest_version, 3);
  });
});

describe('unknown fields are refused, not silently dropped', () => {
  // The schemas say additionalProperties: false, but Fastify's default Ajv options (removeAdditional: true) strip
  // unknown keys instead of refusing them: a misspelled "alais": "production" registers a version that silently
  // never goes live. (A separate model, so a wrongly accepted call does not disturb the tests above.)
  test('POST /api/models/:name/versions with a misspelled field: 400 naming it', async () => {
    const digest = await upload(linear.bytes);
    const r = await t.admin('POST', '/api/models/strict/versions', { artifact_sha256: digest, alais: 'production' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.error, /alais|additional/);
  });

  test('POST /api/models/:name/deploy with a misspelled field: 400', async () => {
    const r = await t.admin('POST', '/api/models/strict/deploy', { version: 1, reason: 'x', force: true });
    assert.equal(r.status, 400, r.text);
  });
});

describe('aliases', () => {
  for (const alias of ['latest', 'v3', 'V3', 'bad%20alias!']) {
    test(`"${decodeURIComponent(alias)}" is refused: 400 INVALID_ALIAS`, async () => {
      const r = await t.admin('PUT', `/api/models/iris/aliases/${alias}`, { version: 2 });
      assertError(r, 400, 'INVALID_ALIAS');
    });
  }

  test('an alias set, read, served, and removed', async () => {
    const set = await t.admin('PUT', '/api/models/iris/aliases/champion', { version: 2, reason: 'trial' });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.alias, 'champion');
    assert.equal(set.body.from_version, null);
    assert.equal(set.body.to_version, 2);
    assert.equal(set.body.reason, 'trial');
    const r = await t.post('/v2/models/iris/versions/champion/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: X }] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.model_version, '2');
    const v = await t.admin('GET', '/api/models/iris/versions/2');
    assert.deepEqual(v.body.aliases, ['champion']);
    const del = await t.admin('DELETE', '/api/models/iris/aliases/champion?reason=done');
    assert.equal(del.status, 200, del.text);
    assert.equal(del.body.from_version, 2);
    assert.equal(del.body.to_version, null);
    const again = await t.admin('DELETE', '/api/models/iris/aliases/champion');
    assertError(again, 404, 'ALIAS_NOT_FOUND');
  });

  test('an alias to a missing version: 404; to version 0 or "two": 400', async () => {
    assertError(await t.admin('PUT', '/api/models/iris/aliases/champion', { version: 99 }), 404, 'VERSION_NOT_FOUND');
    assert.equal((await t.admin('PUT', '/api/models/iris/aliases/champion', { version: 0 })).status, 400);
    assert.equal((await t.admin('PUT', '/api/models/iris/aliases/champion', { version: 'two' })).status, 400);
    assertError(await t.admin('PUT', '/api/models/ghost/aliases/champion', { version: 1 }), 404, 'MODEL_NOT_FOUND');
  });

  test('PUT aliases/production goes live: the next infer answers that version', async () => {
    const r = await t.admin('PUT', '/api/models/iris/aliases/production', { version: 2 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.from_version, 1);
    assert.equal(r.body.to_version, 2);
    await assertServing('iris', '2', linear2);
  });
});

describe('deploy and rollback', () => {
  test('deploy goes live: the next infer answers the deployed version', async () => {
    const r = await t.admin('POST', '/api/models/iris/deploy', { version: 3, reason: 'better auc' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.alias, 'production');
    assert.equal(r.body.from_version, 2);
    assert.equal(r.body.to_version, 3);
    assert.equal(r.body.reason, 'better auc');
    await assertServing('iris', '3', linear);
  });

  test('deploy with the version as a string works; bad versions are refused', async () => {
    assertError(await t.admin('POST', '/api/models/iris/deploy', { version: 42 }), 404, 'VERSION_NOT_FOUND');
    assert.equal((await t.admin('POST', '/api/models/iris/deploy', {})).status, 400);
    assertError(await t.admin('POST', '/api/models/ghost/deploy', { version: 1 }), 404, 'MODEL_NOT_FOUND');
    await assertServing('iris', '3', linear);
  });

  test('rollback returns to the previous version at once; rolling back twice toggles back', async () => {
    const first = await t.admin('POST', '/api/models/iris/rollback', {});
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.from_version, 3);
    assert.equal(first.body.to_version, 2);
    assert.match(first.body.reason ?? '', /rollback/);
    await assertServing('iris', '2', linear2);
    const second = toJson(await t.adminInject({ method: 'POST', url: '/api/models/iris/rollback' }));
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.from_version, 2);
    assert.equal(second.body.to_version, 3);
    await assertServing('iris', '3', linear);
  });

  test('rollback with nothing to roll back to: 409 NOTHING_TO_ROLL_BACK', async () => {
    const r = await registerHttp('solo', linear.bytes, { alias: 'production' });
    assert.equal(r.status, 201, r.text);
    assertError(await t.admin('POST', '/api/models/solo/rollback', {}), 409, 'NOTHING_TO_ROLL_BACK', /solo/);
    const fresh = await registerHttp('fresh', linear.bytes);
    assert.equal(fresh.status, 201, fresh.text);
    assertError(await t.admin('POST', '/api/models/fresh/rollback', {}), 409, 'NOTHING_TO_ROLL_BACK');
  });

  test('history lists every production move with from, to, actor and time, oldest first', async () => {
    const r = await t.admin('GET', '/api/models/iris/history?alias=production');
    assert.equal(r.status, 200, r.text);
    const moves = r.body.events.map((e: any) => [e.from_version, e.to_version]);
    assert.deepEqual(moves, [
      [null, 1],
      [1, 2],
      [2, 3],
      [3, 2],
      [2, 3],
    ]);
    assert.equal(r.body.events[0].actor, 'api:alice');
    for (const e of r.body.events) {
      assert.equal(e.name, 'iris');
      assert.equal(e.alias, 'production');
      assert.match(e.actor, /^api:/);
      assert.ok(Number.isFinite(Date.parse(e.at)), e.at);
    }
    const times = r.body.events.map((e: any) => Date.parse(e.at));
    for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], 'strictly later');
    const all = await t.admin('GET', '/api/models/iris/history');
    assert.ok(all.body.events.some((e: any) => e.alias === 'champion'), 'without ?alias every alias is listed');
  });

  test('aliases/production/at answers the version held before, between and after the moves', async () => {
    const { body } = await t.admin('GET', '/api/models/iris/history?alias=production');
    const events = body.events as Array<{ at: string; to_version: number }>;
    const at = async (time: string | number): Promise<number | null> => {
      const r = await t.admin('GET', `/api/models/iris/aliases/production/at?time=${encodeURIComponent(String(time))}`);
      assert.equal(r.status, 200, r.text);
      return r.body.version;
    };
    const first = Date.parse(events[0]!.at);
    assert.equal(await at(first - 1), null, 'before the first move');
    assert.equal(await at(new Date(first - 1).toISOString()), null, 'ISO-8601 works too');
    for (let i = 0; i < events.length; i++) {
      const ms = Date.parse(events[i]!.at);
      assert.equal(await at(ms), events[i]!.to_version, `at move ${i}`);
      const next = i + 1 < events.length ? Date.parse(events[i + 1]!.at) : ms + 10_000_000;
      assert.equal(await at(Math.floor((ms + next) / 2)), events[i]!.to_version, `between move ${i} and the next`);
    }
    assert.equal(await at(new Date(Date.parse(events.at(-1)!.at) + 86_400_000).toISOString()), 3, 'after the last move');
    const bad = await t.admin('GET', '/api/models/iris/aliases/production/at?time=yesterday');
    assertError(bad, 400, 'INVALID_TIME');
  });
});

describe('audit', () => {
  test('every mutation left an audit record with its actor', async () => {
    const r = await t.admin('GET', '/api/audit?limit=1000');
    assert.equal(r.status, 200, r.text);
    const records = (r.body.records as Array<{ action: string; target: string; actor: string; at: string; details: any }>).filter((x) =>
      x.target.startsWith('model:iris'),
    );
    const created = records.filter((x) => x.action === 'model_version.create').map((x) => x.target).sort();
    assert.deepEqual(created, ['model:iris/1', 'model:iris/2', 'model:iris/3']);
    const prodSets = records.filter((x) => x.action === 'alias.set' && x.target === 'model:iris@production');
    assert.equal(prodSets.length, 5, 'one per production move');
    assert.equal(records.filter((x) => x.action === 'alias.set' && x.target === 'model:iris@champion').length, 1);
    assert.equal(records.filter((x) => x.action === 'alias.delete' && x.target === 'model:iris@champion').length, 1);
    assert.ok(records.some((x) => x.actor === 'api:alice'));
    for (const x of records) assert.ok(Number.isFinite(Date.parse(x.at)));
    // Newest first.
    const ids = (r.body.records as Array<{ id: number }>).map((x) => x.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  });

  test('filtered by target and limited', async () => {
    const r = await t.admin('GET', '/api/audit?target=model:iris@production&limit=2');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.records.length, 2);
    for (const x of r.body.records) assert.equal(x.target, 'model:iris@production');
    assert.equal((await t.admin('GET', '/api/audit?limit=0')).status, 400);
  });
});

describe('the OpenAPI document', () => {
  let doc: any;
  before(async () => {
    const r = await t.get('/api/openapi.json');
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'] ?? '', /^application\/json/);
    doc = r.body;
  });

  test('is OpenAPI 3 with info and paths', () => {
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.equal(typeof doc.paths, 'object');
  });

  test('lists the admin routes and the v2 inference routes', () => {
    const expected: Array<[string, string]> = [
      ['/api/models', 'get'],
      ['/api/models/{name}', 'get'],
      ['/api/models/{name}/versions/{selector}', 'get'],
      ['/api/artifacts', 'post'],
      ['/api/models/{name}/versions', 'post'],
      ['/api/models/{name}/aliases/{alias}', 'put'],
      ['/api/models/{name}/aliases/{alias}', 'delete'],
      ['/api/models/{name}/aliases/{alias}/at', 'get'],
      ['/api/models/{name}/deploy', 'post'],
      ['/api/models/{name}/rollback', 'post'],
      ['/api/models/{name}/history', 'get'],
      ['/api/models/{name}/versions/{selector}/profile', 'get'],
      ['/api/models/{name}/deployment', 'get'],
      ['/api/models/{name}/deployment', 'put'],
      ['/api/models/{name}/deployment/history', 'get'],
      ['/api/audit', 'get'],
      ['/v2/models/{name}/infer', 'post'],
      ['/v2/models/{name}/versions/{version}/infer', 'post'],
      ['/v2/models/{name}', 'get'],
      ['/v2/health/ready', 'get'],
    ];
    for (const [path, method] of expected) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
    }
    const infer = doc.paths['/v2/models/{name}/infer'].post;
    const schema = infer.requestBody.content['application/json'].schema;
    assert.ok(schema.required.includes('inputs'));
  });

  test('is structurally valid: responses on every operation, path parameters declared, no JSON Schema type arrays', () => {
    const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      assert.ok(path.startsWith('/'), path);
      assert.doesNotMatch(path, /\/:/, `${path} uses {param} templates`);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of Object.keys(item)) {
        if (!methods.includes(method)) continue;
        const op = item[method];
        assert.equal(typeof op.responses, 'object', `${method} ${path} has responses`);
        assert.ok(Object.keys(op.responses).length > 0, `${method} ${path} has at least one response`);
        const params = [...(item.parameters ?? []), ...(op.parameters ?? [])];
        for (const name of templated) {
          const p = params.find((x: any) => x.in === 'path' && x.name === name);
          assert.ok(p, `${method} ${path} declares path parameter ${name}`);
          assert.equal(p.required, true, `${method} ${path}: path parameter ${name} is required`);
        }
      }
    }
    // OpenAPI 3.0 schema objects take a single `type` (nullable: true for null), never an array of types.
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, unknown>;
      if ('type' in o && typeof o.type !== 'object') assert.equal(typeof o.type, 'string', where);
      if ('type' in o && Array.isArray(o.type)) assert.fail(`${where}: type is an array (${JSON.stringify(o.type)})`);
      for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`);
    };
    walk(doc.paths, 'paths');
  });

  test('declares the bearer scheme and requires it on the admin operations', () => {
    const schemes = doc.components?.securitySchemes ?? {};
    const bearer = Object.entries<any>(schemes).find(([, s]) => s.type === 'http' && s.scheme === 'bearer');
    assert.ok(bearer, 'a bearer security scheme is declared');
    const missing: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/api/') || path === '/api/health' || path === '/api/openapi.json') continue;
      for (const [method, op] of Object.entries<any>(item)) {
        const security = op.security ?? doc.security;
        if (!Array.isArray(security) || !security.some((s: Record<string, unknown>) => bearer[0] in s)) missing.push(`${method} ${path}`);
      }
    }
    assert.deepEqual(missing, [], 'admin operations without a security requirement');
  });
});

describe('/api/health', () => {
  test('shows every model, its production version, what is loaded, and problems', async () => {
    const r = await t.get('/api/health');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.ready, true);
    const iris = r.body.models.find((m: any) => m.name === 'iris');
    assert.equal(iris.ready, true);
    assert.equal(iris.production_version, 3);
    assert.ok(iris.loaded_versions.includes(3));
    assert.equal(iris.problem, null);
    const fresh = r.body.models.find((m: any) => m.name === 'fresh');
    assert.equal(fresh.ready, false);
    assert.equal(typeof fresh.problem, 'string');
    assert.match(fresh.problem, /production/);
    assert.equal(r.body.status, 'degraded');
  });
});

describe('a tampered artifact is refused and the current version keeps serving', () => {
  test('deploying a version whose stored file no longer matches its digest: 5xx ARTIFACT_INTEGRITY', async () => {
    assert.equal((await registerHttp('tamper', linear.bytes, { alias: 'production' })).status, 201);
    const v2 = await registerHttp('tamper', linear2.bytes);
    assert.equal(v2.status, 201, v2.text);
    const digest: string = v2.body.artifact.sha256;
    const file = join(t.home, 'artifacts', 'sha256', digest.slice(0, 2), digest);
    assert.ok(existsSync(file), `artifact stored at ${file}`);
    chmodSync(file, 0o644);
    writeFileSync(file, linear.bytes); // a valid model, but not the bytes that were registered
    const r = await t.admin('POST', '/api/models/tamper/deploy', { version: 2 });
    assert.ok(r.status >= 500 && r.status < 600, r.text);
    assert.equal(r.body.code, 'ARTIFACT_INTEGRITY', r.text);
    assert.match(r.body.error, new RegExp(digest), 'the message names the artifact');
    const model = await t.admin('GET', '/api/models/tamper');
    assert.equal(model.body.aliases.production, 1, 'production did not move');
    await assertServing('tamper', '1', linear);
    // Asking for the tampered version directly is refused the same way; the server stays up.
    const direct = await t.post('/v2/models/tamper/versions/2/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: X }] });
    assert.equal(direct.body.code, 'ARTIFACT_INTEGRITY', direct.text);
    const health = await t.get('/api/health');
    const tamper = health.body.models.find((m: any) => m.name === 'tamper');
    assert.equal(tamper.production_version, 1);
    assert.match(String(tamper.last_error), /ARTIFACT_INTEGRITY/, '/api/health reports the refused artifact');
    const history = await t.admin('GET', '/api/models/tamper/history?alias=production');
    assert.equal(history.body.events.length, 1, 'the failed deploy left no alias event');
  });
});

describe('a version whose warm-up fails leaves the current one serving', () => {
  // s INT64 [-1] -> y = Reshape(constant [2,2], s): fine for s = [4], but the warm-up's zeros ask for shape [0]
  // (copy dimension 0, giving [2]), which cannot hold four elements, so onnxruntime fails the warm-up inference.
  const failsOnZeros = buildOnnxModel({
    inputs: [{ name: 's', datatype: 'INT64', shape: [-1] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    initializers: [{ name: 'data', datatype: 'FP32', dims: [2, 2], values: [1, 2, 3, 4] }],
    nodes: [{ op: 'Reshape', inputs: ['data', 's'], outputs: ['y'] }],
    graphName: 'fails_on_zeros',
  });

  test('deploy answers 5xx MODEL_LOAD_FAILED and production stays where it was', async () => {
    assert.equal((await registerHttp('warm', linear.bytes, { alias: 'production' })).status, 201);
    const v2 = await registerHttp('warm', failsOnZeros);
    assert.equal(v2.status, 201, v2.text);
    const r = await t.admin('POST', '/api/models/warm/deploy', { version: 2 });
    assert.ok(r.status >= 500 && r.status < 600, r.text);
    assert.equal(r.body.code, 'MODEL_LOAD_FAILED', r.text);
    assert.match(r.body.error, /warm-up/);
    const model = await t.admin('GET', '/api/models/warm');
    assert.equal(model.body.aliases.production, 1);
    await assertServing('warm', '1', linear);
    const viaAlias = await t.admin('PUT', '/api/models/warm/aliases/production', { version: 2 });
    assert.equal(viaAlias.body.code, 'MODEL_LOAD_FAILED', viaAlias.text);
    await assertServing('warm', '1', linear);
    const health = await t.get('/api/health');
    const warm = health.body.models.find((m: any) => m.name === 'warm');
    assert.equal(warm.ready, true);
    assert.equal(warm.production_version, 1);
    assert.equal(warm.problem, null, 'the model serves, so it has no problem');
    assert.match(String(warm.last_error), /MODEL_LOAD_FAILED/, 'the failed load is reported');
  });
});

describe('the token check cannot be sidestepped by spelling the path differently', () => {
  // find-my-way decodes percent-escapes before matching, so /%61pi/models routes to GET /api/models, while the
  // auth hook compares the raw URL with "/api/".
  test('GET /%61pi/models (percent-encoded "a"): 401', async () => {
    const r = toJson(await t.inject({ method: 'GET', url: '/%61pi/models' }));
    assert.notEqual(r.status, 200, `admin data answered without a token: ${r.text.slice(0, 200)}`);
    assert.ok(r.status === 401 || r.status === 404, r.text);
  });

  test('POST /%61pi/models/{name}/deploy without a token does not move production', async () => {
    assert.equal((await registerHttp('victim', linear.bytes, { alias: 'production' })).status, 201);
    assert.equal((await registerHttp('victim', linear2.bytes)).status, 201);
    const r = toJson(
      await t.inject({ method: 'POST', url: '/%61pi/models/victim/deploy', headers: { 'content-type': 'application/json' }, payload: '{"version": 2}' }),
    );
    assert.ok(r.status === 401 || r.status === 404, `deploy without a token answered ${r.status}: ${r.text}`);
    await assertServing('victim', '1', linear);
  });

  test('other spellings: 401 or 404, never 200', async () => {
    for (const url of ['/api//models', '/api/models/', '/api/%6dodels', '/API/models', '/api/health/../models', '/api/models?x=/api/health']) {
      const r = toJson(await t.inject({ method: 'GET', url }));
      assert.ok(r.status === 401 || r.status === 404, `${url}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  });
});
