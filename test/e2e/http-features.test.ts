/**
 * Named features, training profiles and deployment policies through the admin HTTP API: registration with
 * features and a profile (snake_case on the wire, up to 64 MiB of body), the profile endpoint, the refusals that
 * name the problem and store nothing, and the deployment policy routes (show, patch, no-op, history, audit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_POLICY } from '../../src/core/deployment/policy.js';
import { profileDto } from '../../src/protocol/admin/profile-dto.js';
import { toSnakeKeys } from '../../src/protocol/admin/wire-case.js';
import { linearModel, multiInputModel } from '../fixtures/models.js';
import { sampleFeatures, sampleProfile } from '../conformance/registry-fixtures.js';
import { openTestApp, toJson } from '../helpers/harness.js';
import type { JsonResponse, TestApp } from '../helpers/harness.js';

let t: TestApp;
let linearDigest: string;

before(async () => {
  t = await openTestApp();
  linearDigest = await upload(linearModel().bytes);
});

after(async () => {
  await t?.close();
});

async function upload(bytes: Uint8Array): Promise<string> {
  const r = toJson(
    await t.adminInject({ method: 'POST', url: '/api/artifacts', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(bytes) }),
  );
  assert.equal(r.status, 201, r.text);
  return r.body.sha256;
}

/** POST /api/models/:name/versions with the JSON text as given (so tests can pad or break it). */
async function createRaw(name: string, text: string): Promise<JsonResponse> {
  return toJson(
    await t.adminInject({ method: 'POST', url: `/api/models/${name}/versions`, headers: { 'content-type': 'application/json' }, payload: text }),
  );
}

function create(name: string, extra: Record<string, unknown>, digest = linearDigest): Promise<JsonResponse> {
  return createRaw(name, JSON.stringify({ artifact_sha256: digest, ...extra }));
}

function assertError(r: JsonResponse, status: number, code: string, mentions?: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.code, code, r.text);
  if (mentions) assert.match(r.body.error, mentions, r.text);
}

const wireProfile = () => profileDto(sampleProfile());

describe('registering a version with named features and a training profile', () => {
  test('201 with features and has_profile; the profile reads back exactly, snake_case with an ISO time', async () => {
    const r = await create('churn', { features: sampleFeatures(), profile: wireProfile() });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.features, sampleFeatures());
    assert.equal(r.body.has_profile, true);

    const p = await t.admin('GET', '/api/models/churn/versions/1/profile');
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.profile.created_at, '2024-05-01T00:00:00.000Z');
    assert.equal(p.body.profile.features.columns[1].missing_rate, 0.03);
    assert.equal(p.body.profile.features.columns[2].categories[1].value, '__proto__');
    assert.deepEqual(p.body, { name: 'churn', version: 1, profile: wireProfile() });
    const byAlias = await t.admin('GET', '/api/models/churn/versions/latest/profile');
    assert.deepEqual(byAlias.body, p.body);

    const detail = await t.admin('GET', '/api/models/churn');
    assert.deepEqual(detail.body.versions.map((v: { has_profile: boolean }) => v.has_profile), [true]);
    assert.deepEqual((await t.admin('GET', '/api/models/churn/versions/1')).body.features, sampleFeatures());
  });

  test('created_at may be sent as epoch milliseconds', async () => {
    const r = await create('epoch', { features: sampleFeatures(), profile: { ...wireProfile(), created_at: Date.UTC(2024, 4, 1) } });
    assert.equal(r.status, 201, r.text);
    assert.equal((await t.admin('GET', '/api/models/epoch/versions/1/profile')).body.profile.created_at, '2024-05-01T00:00:00.000Z');
  });

  test('a version without them shows features null, has_profile false, and profile null', async () => {
    const r = await create('plain', {});
    assert.equal(r.status, 201, r.text);
    assert.deepEqual([r.body.features, r.body.has_profile], [null, false]);
    assert.deepEqual((await t.admin('GET', '/api/models/plain/versions/1/profile')).body, { name: 'plain', version: 1, profile: null });
    assertError(await t.admin('GET', '/api/models/plain/versions/2/profile'), 404, 'VERSION_NOT_FOUND');
    assertError(await t.admin('GET', '/api/models/ghost/versions/1/profile'), 404, 'MODEL_NOT_FOUND');
  });

  test('features only: allowed without a profile', async () => {
    const r = await create('featured', { features: sampleFeatures() });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual([r.body.features, r.body.has_profile], [sampleFeatures(), false]);
  });

  test('refusals name the problem and register nothing', async () => {
    const f = sampleFeatures();
    const cases: Array<[what: string, extra: Record<string, unknown>, status: number, code: string, mentions: RegExp]> = [
      ['too wide', { features: { ...f, features: [...f.features, { name: 'extra', type: 'numerical', encoding: { kind: 'value' } }] } }, 400, 'INVALID_FEATURES', /5 columns but input "x" has 4/],
      ['wrong input', { features: { ...f, input: 'y' } }, 400, 'INVALID_FEATURES', /"y" is not the model's input/],
      ['duplicate name', { features: { ...f, features: [f.features[0], f.features[0], f.features[2]] } }, 400, 'INVALID_FEATURES', /"age" is used twice/],
      ['numerical onehot', { features: { ...f, features: [{ name: 'a', type: 'numerical', encoding: { kind: 'onehot', categories: ['x', 'y', 'z', 'w'] } }] } }, 400, 'INVALID_FEATURES', /numerical, so its encoding must be "value"/],
      ['empty categories', { features: { ...f, features: [{ name: 'a', type: 'categorical', encoding: { kind: 'index', categories: [] } }] } }, 400, 'INVALID_FEATURES', /categories/],
      ['profile without features', { profile: wireProfile() }, 400, 'INVALID_FEATURES', /needs named features/],
      ['profile of other columns', { features: f, profile: { ...wireProfile(), features: { rows: 100, columns: wireProfile().features.columns.slice(0, 2) } } }, 400, 'INVALID_FEATURES', /must be the features \["age","income","city"\]/],
      ['rate above 1', { features: f, profile: patchColumn({ missing_rate: 2 }) }, 400, 'INVALID_FEATURES', /profile\.features\.columns\[0\]\.missing_rate/],
      ['camelCase key', { features: f, profile: patchColumn({ missingRate: 0 }) }, 400, 'INVALID_REQUEST', /additional properties/],
      ['unknown key', { features: { ...f, colour: 'red' } }, 400, 'INVALID_REQUEST', /additional properties/],
    ];
    for (const [what, extra, status, code, mentions] of cases) {
      const r = await create('refused', extra);
      assert.equal(r.status, status, `${what}: ${r.text}`);
      assert.equal(r.body.code, code, `${what}: ${r.text}`);
      assert.match(r.body.error, mentions, what);
    }
    assertError(await t.admin('GET', '/api/models/refused'), 404, 'MODEL_NOT_FOUND');
  });

  test('a model with two inputs cannot take named features', async () => {
    const digest = await upload(multiInputModel().bytes);
    const r = await create('two', { features: sampleFeatures() }, digest);
    assertError(r, 400, 'INVALID_FEATURES', /exactly one input; this model has 2/);
  });

  test('the version route takes a body far above the server body limit (a profile of many MB), other routes do not', async () => {
    const limit = t.config.server.bodyLimitBytes;
    const body = JSON.stringify({ artifact_sha256: linearDigest, features: sampleFeatures(), profile: wireProfile() });
    const padded = body.slice(0, -1) + ' '.repeat(limit + 1024) + '}';
    const r = await createRaw('big', padded);
    assert.equal(r.status, 201, r.text.slice(0, 500));
    const tooBig = toJson(
      await t.adminInject({
        method: 'PUT',
        url: '/api/models/big/deployment',
        headers: { 'content-type': 'application/json' },
        payload: `{"policy": {}${' '.repeat(limit + 1024)}}`,
      }),
    );
    assertError(tooBig, 413, 'PAYLOAD_TOO_LARGE');
  });
});

function patchColumn(fields: Record<string, unknown>) {
  const p = wireProfile();
  return { ...p, features: { ...p.features, columns: [{ ...p.features.columns[0], ...fields }, ...p.features.columns.slice(1)] } };
}

describe('deployment policy over HTTP', () => {
  before(async () => {
    assert.equal((await create('policy', {})).status, 201);
  });

  test('GET answers revision 0 with the defaults, snake_case, before anything is set', async () => {
    const r = await t.admin('GET', '/api/models/policy/deployment');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.revision, 0);
    assert.deepEqual(r.body.policy, toSnakeKeys(DEFAULT_POLICY));
    assert.equal(r.body.policy.validation.range_tolerance, 0.1);
    assert.deepEqual((await t.admin('GET', '/api/models/policy/deployment/history')).body, { revisions: [] });
  });

  test('PUT merges a patch into a new revision; the same patch again changes nothing', async () => {
    const r = await t.admin('PUT', '/api/models/policy/deployment', {
      policy: { validation: { anomalies: 'reject', max_rows: 5 } },
      reason: 'strict launch',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.changed, true);
    assert.equal(r.body.revision, 1);
    assert.equal(r.body.reason, 'strict launch');
    assert.equal(r.body.actor, 'api:api');
    assert.deepEqual(r.body.policy.validation, { ...toSnakeKeys(DEFAULT_POLICY).validation, anomalies: 'reject', max_rows: 5 });

    const again = await t.admin('PUT', '/api/models/policy/deployment', { policy: { validation: { max_rows: 5 } } });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual([again.body.changed, again.body.revision, again.body.reason], [false, 1, 'strict launch']);

    const second = await t.admin('PUT', '/api/models/policy/deployment', { policy: { validation: { range_tolerance: 0.5 } } });
    assert.deepEqual([second.body.changed, second.body.revision], [true, 2]);
    assert.equal(second.body.policy.validation.anomalies, 'reject', 'fields the patch leaves out keep their values');

    const shown = await t.admin('GET', '/api/models/policy/deployment');
    assert.deepEqual(shown.body, withoutChanged(second.body));
    const history = await t.admin('GET', '/api/models/policy/deployment/history');
    assert.deepEqual(history.body.revisions.map((x: { revision: number }) => x.revision), [1, 2]);
    const audit = await t.admin('GET', '/api/audit?target=model:policy&limit=1');
    assert.equal(audit.body.records[0].action, 'deployment.set');
    assert.equal(audit.body.records[0].details.revision, 2);
  });

  test('invalid patches are 400 naming the field, and write nothing', async () => {
    const before = (await t.admin('GET', '/api/models/policy/deployment/history')).body.revisions.length;
    const cases: Array<[unknown, RegExp]> = [
      [{ validation: { range_tolerance: -1 } }, /validation\.range_tolerance/],
      [{ validation: { max_rows: 0 } }, /validation\.max_rows/],
      [{ validation: { anomalies: 'explode' } }, /anomalies/],
      [{ validation: { maxRows: 5 } }, /validation\.maxRows is not a known field: fields are snake_case/],
      [{ validation: { max_rowz: 5 } }, /max_rowz/],
      [{ fallback: 'cache' }, /fallback/],
      ['reject', /policy/],
    ];
    for (const [policy, mentions] of cases) {
      const r = await t.admin('PUT', '/api/models/policy/deployment', { policy });
      assertError(r, 400, 'INVALID_REQUEST', mentions);
    }
    assertError(await t.admin('PUT', '/api/models/policy/deployment', { validation: {} }), 400, 'INVALID_REQUEST');
    assert.equal((await t.admin('GET', '/api/models/policy/deployment/history')).body.revisions.length, before);
  });

  test('PUT carries the resilience sections whole, rules table included', async () => {
    assert.equal((await create('resilient', {})).status, 201);
    const rules = {
      cases: [{ when: [{ feature: 'age', op: 'lt', value: 30 }, { feature: 'city', op: 'in', value: ['ny', 'sf'] }], outputs: [{ name: 'y', value: [1, 0] }] }],
      default: null,
    };
    const r = await t.admin('PUT', '/api/models/resilient/deployment', {
      policy: { latency_budget_ms: 300, fallback: { chain: ['cache', 'rules'], rules }, circuit_breaker: { error_ratio: 0.2 }, limits: { max_queued: 0 } },
    });
    assert.equal(r.status, 200, r.text);
    const defaults = toSnakeKeys(DEFAULT_POLICY);
    const expected = {
      ...defaults,
      latency_budget_ms: 300,
      fallback: { chain: ['cache', 'rules'], cache_ttl_ms: 86_400_000, rules },
      circuit_breaker: { ...defaults.circuit_breaker, error_ratio: 0.2 },
      limits: { ...defaults.limits, max_queued: 0 },
    };
    assert.deepEqual(r.body.policy, expected);
    assert.deepEqual((await t.admin('GET', '/api/models/resilient/deployment')).body.policy, expected);
  });

  test('PUT with "replace": true makes the policy the one given, defaults for the rest', async () => {
    const defaults = toSnakeKeys(DEFAULT_POLICY);
    const before = (await t.admin('GET', '/api/models/resilient/deployment')).body;
    assert.equal(before.revision, 1);
    const r = await t.admin('PUT', '/api/models/resilient/deployment', {
      policy: { limits: { max_concurrent: 2 }, fallback: { chain: ['previous'] } },
      reason: 'declared',
      replace: true,
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.body.changed, r.body.revision, r.body.reason], [true, 2, 'declared']);
    assert.deepEqual(r.body.policy, {
      ...defaults,
      fallback: { ...defaults.fallback, chain: ['previous'] },
      limits: { ...defaults.limits, max_concurrent: 2 },
    });
    const again = await t.admin('PUT', '/api/models/resilient/deployment', {
      policy: { fallback: { chain: ['previous'] }, limits: { max_concurrent: 2 } },
      replace: true,
    });
    assert.deepEqual([again.status, again.body.changed, again.body.revision], [200, false, 2]);
    const merged = await t.admin('PUT', '/api/models/resilient/deployment', { policy: { limits: { max_queued: 7 } }, replace: false });
    assert.deepEqual([merged.body.changed, merged.body.revision, merged.body.policy.limits], [true, 3, { ...defaults.limits, max_concurrent: 2, max_queued: 7 }]);

    assertError(await t.admin('PUT', '/api/models/resilient/deployment', { policy: { fallback: { chain: ['queue'] } }, replace: true }), 400, 'INVALID_REQUEST', /fallback\.chain/);
    assertError(await t.admin('PUT', '/api/models/resilient/deployment', { policy: {}, replace: 'yes' }), 400, 'INVALID_REQUEST', /replace/);
    assertError(await t.admin('PUT', '/api/models/ghost/deployment', { policy: {}, replace: true }), 404, 'MODEL_NOT_FOUND');
    const history = await t.admin('GET', '/api/models/resilient/deployment/history');
    assert.deepEqual(history.body.revisions.map((x: { revision: number }) => x.revision), [1, 2, 3]);
  });

  test('an unknown model is 404 on every deployment route', async () => {
    assertError(await t.admin('GET', '/api/models/ghost/deployment'), 404, 'MODEL_NOT_FOUND');
    assertError(await t.admin('GET', '/api/models/ghost/deployment/history'), 404, 'MODEL_NOT_FOUND');
    assertError(await t.admin('PUT', '/api/models/ghost/deployment', { policy: { validation: { max_rows: 2 } } }), 404, 'MODEL_NOT_FOUND');
  });
});

function withoutChanged(body: Record<string, unknown>): Record<string, unknown> {
  const { changed: _changed, ...rest } = body;
  return rest;
}
