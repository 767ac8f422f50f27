/**
 * The records endpoint for web apps: `POST /v1/models/{name}:predict` and `/v1/models/{name}/versions/{v}:predict`
 * with `{"instances": [...]}`, answering `{"predictions": [...]}` plus the version that produced them, for
 * single-input models (rows) and multi-input models (objects keyed by input), and its error answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { int64Model, linearModel, linearModelV2, multiInputModel, stringModel } from '../fixtures/models.js';
import { close, linearExpect, openTestApp } from '../helpers/harness.js';
import type { JsonResponse, TestApp } from '../helpers/harness.js';

let t: TestApp;
const linear = linearModel();
const linear2 = linearModelV2();

before(async () => {
  t = await openTestApp();
  await t.register('linear', linear.bytes, { alias: 'production' });
  await t.register('linear', linear2.bytes);
  await t.ctx.registry.setAlias('linear', 'canary', 2, { actor: 'test' });
  await t.register('multi', multiInputModel().bytes, { alias: 'production' });
  await t.register('int64', int64Model().bytes, { alias: 'production' });
  await t.register('string', stringModel().bytes, { alias: 'production' });
});

after(async () => {
  await t?.close();
});

async function predict(path: string, body: unknown): Promise<JsonResponse> {
  const r = await t.post(path, body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['x-model-version'], r.body.model_version, 'x-model-version header equals model_version');
  assert.ok(Array.isArray(r.body.predictions), r.text);
  return r;
}

/** Asserts a 4xx JSON error with `code` and a message matching `mentions`. */
async function refused(path: string, body: unknown, status: number, code: string, mentions?: RegExp): Promise<JsonResponse> {
  const r = await t.post(path, body);
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.code, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  if (mentions) assert.match(r.body.error, mentions);
  return r;
}

function assertRowsClose(actual: unknown[], expected: number[][]): void {
  assert.equal(actual.length, expected.length, JSON.stringify(actual));
  for (let i = 0; i < expected.length; i++) {
    const row = actual[i] as number[];
    assert.ok(Array.isArray(row), `prediction ${i} is a row: ${JSON.stringify(actual[i])}`);
    assert.equal(row.length, expected[i]!.length);
    for (let j = 0; j < row.length; j++) assert.ok(close(row[j]!, expected[i]![j]!), `prediction ${i}[${j}]: ${row[j]} vs ${expected[i]![j]}`);
  }
}

describe('single-input model: instances are rows', () => {
  const rows = [
    [1, 2, 3, 4],
    [0.5, -1, 0, 2],
    [0, 0, 0, 0],
  ];

  test('one prediction per instance, each the output row, with the production version', async () => {
    const r = await predict('/v1/models/linear:predict', { instances: rows });
    assert.equal(r.body.model_name, 'linear');
    assert.equal(r.body.model_version, '1');
    assertRowsClose(r.body.predictions, rows.map((x) => [linearExpect(linear, x)]));
  });

  test('an instance may be an object keyed by the input name', async () => {
    const r = await predict('/v1/models/linear:predict', { instances: rows.map((x) => ({ x })) });
    assertRowsClose(r.body.predictions, rows.map((x) => [linearExpect(linear, x)]));
  });

  for (const [selector, version, weights] of [
    ['2', '2', linear2],
    ['canary', '2', linear2],
    ['latest', '2', linear2],
    ['1', '1', linear],
  ] as const) {
    test(`/versions/${selector}:predict answers version ${version}`, async () => {
      const r = await predict(`/v1/models/linear/versions/${selector}:predict`, { instances: rows });
      assert.equal(r.body.model_version, version);
      assertRowsClose(r.body.predictions, rows.map((x) => [linearExpect(weights, x)]));
    });
  }

  test('BYTES rows: scalars per instance', async () => {
    const r = await predict('/v1/models/string:predict', { instances: ['a', 'bé', ''] });
    assert.deepEqual(r.body.predictions, ['a', 'bé', '']);
  });

  test('INT64 rows: multiple outputs become objects; big values exact as strings', async () => {
    const r = await predict('/v1/models/int64:predict', { instances: [[1, 2, 3], ['9007199254740993', 0, -1]] });
    assert.equal(r.body.predictions.length, 2);
    assert.deepEqual(r.body.predictions[0].doubled, [2, 4, 6]);
    assert.deepEqual(r.body.predictions[1].doubled, ['18014398509481986', 0, -2]);
    assert.ok(close(r.body.predictions[0].total[0], 6));
  });
});

describe('multi-input model: instances are objects', () => {
  test('each prediction is an object of the outputs', async () => {
    const instances = [
      { a: [1, 2], b: [3, 4] },
      { b: [0.5, -1], a: [2, 2] },
    ];
    const r = await predict('/v1/models/multi:predict', { instances });
    assert.equal(r.body.model_version, '1');
    assert.deepEqual(r.body.predictions.length, 2);
    assertRowsClose([r.body.predictions[0].sum, r.body.predictions[1].sum], [[4, 6], [2.5, 1]]);
    assertRowsClose([r.body.predictions[0].product, r.body.predictions[1].product], [[3, 8], [1, -2]]);
  });

  test('with a version', async () => {
    const r = await predict('/v1/models/multi/versions/1:predict', { instances: [{ a: [1, 1], b: [1, 1] }] });
    assert.equal(r.body.model_version, '1');
    assertRowsClose([r.body.predictions[0].sum], [[2, 2]]);
  });
});

describe('errors', () => {
  test('missing "instances": 400 INVALID_REQUEST naming it', async () => {
    await refused('/v1/models/linear:predict', { rows: [[1, 2, 3, 4]] }, 400, 'INVALID_REQUEST', /instances/);
    await refused('/v1/models/linear:predict', { instances: [] }, 400, 'INVALID_REQUEST', /instances/);
    await refused('/v1/models/linear:predict', [[1, 2, 3, 4]], 400, 'INVALID_REQUEST', /instances/);
  });

  test('a row of the wrong length: 400 SHAPE_MISMATCH naming the instance', async () => {
    await refused('/v1/models/linear:predict', { instances: [[1, 2, 3]] }, 400, 'SHAPE_MISMATCH', /instance 0/);
    await refused('/v1/models/linear:predict', { instances: [[1, 2, 3, 4], [1, 2]] }, 400, 'SHAPE_MISMATCH', /instance 1/);
  });

  test('an unknown input in an instance: 400 UNKNOWN_INPUT naming it', async () => {
    await refused('/v1/models/multi:predict', { instances: [{ a: [1, 2], b: [3, 4], c: [5, 6] }] }, 400, 'UNKNOWN_INPUT', /"c"/);
  });

  test('a missing input in an instance: 400 MISSING_INPUT naming it', async () => {
    await refused('/v1/models/multi:predict', { instances: [{ a: [1, 2] }] }, 400, 'MISSING_INPUT', /"b"/);
    await refused('/v1/models/multi:predict', { instances: [{ a: [1, 2], b: [1, 2] }, { b: [1, 2] }] }, 400, 'MISSING_INPUT', /instance 1/);
  });

  test('a multi-input model with bare rows: 400 naming the inputs', async () => {
    await refused('/v1/models/multi:predict', { instances: [[1, 2]] }, 400, 'INVALID_REQUEST', /a, b/);
  });

  test('a value of the wrong type: 400 naming the instance', async () => {
    await refused('/v1/models/linear:predict', { instances: [[1, 2, 'three', 4]] }, 400, 'VALUE_OUT_OF_RANGE', /instance 0/);
  });

  test('a verb other than :predict is not an endpoint: 404', async () => {
    await refused('/v1/models/linear:explain', { instances: [[1, 2, 3, 4]] }, 404, 'ROUTE_NOT_FOUND', /explain/);
    await refused('/v1/models/linear', { instances: [[1, 2, 3, 4]] }, 404, 'ROUTE_NOT_FOUND');
    await refused('/v1/models/linear/versions/1:explain', { instances: [[1, 2, 3, 4]] }, 404, 'ROUTE_NOT_FOUND');
  });

  test('an unknown model or version: 404', async () => {
    await refused('/v1/models/ghost:predict', { instances: [[1, 2, 3, 4]] }, 404, 'MODEL_NOT_FOUND', /ghost/);
    await refused('/v1/models/linear/versions/9:predict', { instances: [[1, 2, 3, 4]] }, 404, 'VERSION_NOT_FOUND', /9/);
  });
});
