/**
 * The Open Inference Protocol v2 over HTTP, against the spec (open_inference_rest.yaml) with the fixture zoo:
 * health, server metadata, the model list, model metadata and readiness with and without `/versions/{v}`, and
 * inference for every datatype the fixtures use, with answers computed here from the fixtures' known weights.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromHalf, toHalf } from '../../src/core/inference/half.js';
import {
  boolModel,
  fixedShapeModel,
  fp16Model,
  fp64Model,
  int64Model,
  linearModel,
  linearModelV2,
  mlpModel,
  multiInputModel,
  stringModel,
} from '../fixtures/models.js';
import { close, linearExpect, openTestApp } from '../helpers/harness.js';
import type { JsonResponse, TestApp } from '../helpers/harness.js';

let t: TestApp;
const linear = linearModel();
const linear2 = linearModelV2();
const mlp = mlpModel();

before(async () => {
  t = await openTestApp();
  await t.register('linear', linear.bytes, { alias: 'production' }); // v1, production
  await t.register('linear', linear2.bytes); // v2, no alias
  await t.ctx.registry.setAlias('linear', 'canary', 2, { actor: 'test' });
  await t.register('mlp', mlp.bytes, { alias: 'production' });
  await t.register('multi', multiInputModel().bytes, { alias: 'production' });
  await t.register('int64', int64Model().bytes, { alias: 'production' });
  await t.register('bool', boolModel().bytes, { alias: 'production' });
  await t.register('fp64', fp64Model().bytes, { alias: 'production' });
  await t.register('fp16', fp16Model().bytes, { alias: 'production' });
  await t.register('string', stringModel().bytes, { alias: 'production' });
  await t.register('fixed', fixedShapeModel().bytes, { alias: 'production' });
  await t.register('idle', linear.bytes); // registered, never deployed: not ready
});

after(async () => {
  await t?.close();
});

/** POSTs an infer request and asserts a 200 whose `x-model-version` header equals the body's `model_version`. */
async function infer(path: string, body: unknown): Promise<JsonResponse> {
  const r = await t.post(path, body);
  assert.equal(r.status, 200, r.text);
  assert.equal(typeof r.body.model_version, 'string', r.text);
  assert.equal(r.headers['x-model-version'], r.body.model_version, 'x-model-version header equals model_version');
  assert.match(r.headers['content-type'] ?? '', /^application\/json/);
  return r;
}

/** The outputs of a response by name. */
function outputs(r: JsonResponse): Record<string, { name: string; datatype: string; shape: number[]; data: unknown[] }> {
  const out: Record<string, { name: string; datatype: string; shape: number[]; data: unknown[] }> = {};
  for (const o of r.body.outputs) out[o.name] = o;
  return out;
}

function assertClose(actual: unknown[], expected: readonly number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
  for (let i = 0; i < expected.length; i++) {
    assert.equal(typeof actual[i], 'number');
    assert.ok(close(actual[i] as number, expected[i]!, tol), `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('health', () => {
  test('GET /v2/health/live answers 200 {"live": true}', async () => {
    const r = await t.get('/v2/health/live');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { live: true });
  });

  test('GET /v2/health/ready answers 200 {"ready": true} when ready, 503 {"ready": false} when not', async () => {
    let r = await t.get('/v2/health/ready');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ready: true });
    t.state.ready = false;
    try {
      r = await t.get('/v2/health/ready');
      assert.equal(r.status, 503);
      assert.deepEqual(r.body, { ready: false });
    } finally {
      t.state.ready = true;
    }
  });
});

describe('server metadata', () => {
  for (const path of ['/v2', '/v2/']) {
    test(`GET ${path} answers name, version and extensions`, async () => {
      const r = await t.get(path);
      assert.equal(r.status, 200, r.text);
      assert.equal(typeof r.body.name, 'string');
      assert.ok(r.body.name.length > 0);
      assert.equal(typeof r.body.version, 'string');
      assert.ok(Array.isArray(r.body.extensions));
      for (const e of r.body.extensions) assert.equal(typeof e, 'string');
    });
  }
});

describe('GET /v2/models', () => {
  test('lists every registered model with its platform, readiness and production version', async () => {
    const r = await t.get('/v2/models');
    assert.equal(r.status, 200, r.text);
    const byName = new Map<string, any>(r.body.models.map((m: any) => [m.name, m]));
    for (const name of ['linear', 'mlp', 'multi', 'int64', 'bool', 'fp64', 'fp16', 'string', 'fixed', 'idle']) {
      assert.ok(byName.has(name), `model ${name} listed`);
      assert.equal(byName.get(name).platform, 'onnx_onnxv1');
    }
    assert.equal(byName.get('linear').ready, true);
    assert.equal(byName.get('linear').production_version, 1);
    assert.equal(byName.get('linear').latest_version, 2);
    assert.equal(byName.get('idle').ready, false);
    assert.equal(byName.get('idle').production_version, null);
  });
});

describe('model metadata', () => {
  const linearSig = {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
  };

  test('without a version: the production version, platform onnx_onnxv1, -1 for variable dimensions', async () => {
    const r = await t.get('/v2/models/linear');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.name, 'linear');
    assert.equal(r.body.platform, 'onnx_onnxv1');
    assert.deepEqual(r.body.versions, ['1', '2']);
    assert.deepEqual(r.body.inputs, linearSig.inputs);
    assert.deepEqual(r.body.outputs, linearSig.outputs);
    assert.equal(r.body.properties?.version, '1');
    for (const v of Object.values(r.body.properties ?? {})) assert.equal(typeof v, 'string', 'properties is a string map');
  });

  for (const [selector, version] of [
    ['1', '1'],
    ['2', '2'],
    ['canary', '2'],
    ['production', '1'],
    ['latest', '2'],
  ] as const) {
    test(`with /versions/${selector}: version ${version}`, async () => {
      const r = await t.get(`/v2/models/linear/versions/${selector}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.name, 'linear');
      assert.equal(r.body.platform, 'onnx_onnxv1');
      assert.deepEqual(r.body.inputs, linearSig.inputs);
      assert.equal(r.body.properties?.version, version);
    });
  }

  test('every fixture reports its datatypes and shapes', async () => {
    const cases: Array<[string, unknown, unknown]> = [
      ['mlp', [{ name: 'x', datatype: 'FP32', shape: [-1, 8] }], [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }]],
      [
        'multi',
        [
          { name: 'a', datatype: 'FP32', shape: [-1, 2] },
          { name: 'b', datatype: 'FP32', shape: [-1, 2] },
        ],
        [
          { name: 'sum', datatype: 'FP32', shape: [-1, 2] },
          { name: 'product', datatype: 'FP32', shape: [-1, 2] },
        ],
      ],
      [
        'int64',
        [{ name: 'ids', datatype: 'INT64', shape: [-1, 3] }],
        [
          { name: 'doubled', datatype: 'INT64', shape: [-1, 3] },
          { name: 'total', datatype: 'FP32', shape: [-1, 1] },
        ],
      ],
      ['bool', [{ name: 'flags', datatype: 'BOOL', shape: [-1, 2] }], [{ name: 'inverted', datatype: 'BOOL', shape: [-1, 2] }]],
      ['fp64', [{ name: 'x', datatype: 'FP64', shape: [-1, 2] }], [{ name: 'y', datatype: 'FP64', shape: [-1, 2] }]],
      ['fp16', [{ name: 'x', datatype: 'FP16', shape: [-1, 2] }], [{ name: 'y', datatype: 'FP16', shape: [-1, 2] }]],
      ['string', [{ name: 'text', datatype: 'BYTES', shape: [-1] }], [{ name: 'echo', datatype: 'BYTES', shape: [-1] }]],
      ['fixed', [{ name: 'x', datatype: 'FP32', shape: [2, 2] }], [{ name: 'y', datatype: 'FP32', shape: [2, 2] }]],
    ];
    for (const [name, inputs, outs] of cases) {
      const r = await t.get(`/v2/models/${name}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.platform, 'onnx_onnxv1');
      assert.deepEqual(r.body.inputs, inputs, name);
      assert.deepEqual(r.body.outputs, outs, name);
    }
  });

  test('unknown model: 404 with an error naming it', async () => {
    const r = await t.get('/v2/models/nope');
    assert.equal(r.status, 404, r.text);
    assert.equal(typeof r.body.error, 'string');
    assert.match(r.body.error, /nope/);
  });

  test('unknown version or alias: 404', async () => {
    for (const v of ['9', 'ghost']) {
      const r = await t.get(`/v2/models/linear/versions/${v}`);
      assert.equal(r.status, 404, r.text);
      assert.equal(typeof r.body.error, 'string');
      assert.ok(r.body.error.includes(v), r.body.error);
    }
  });

  test('a model without production still describes its versions by number', async () => {
    const r = await t.get('/v2/models/idle/versions/1');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.inputs, linearSig.inputs);
  });
});

describe('model ready', () => {
  test('a served model: 200 {name, ready: true}, with and without a version', async () => {
    for (const path of ['/v2/models/linear/ready', '/v2/models/linear/versions/1/ready', '/v2/models/linear/versions/production/ready']) {
      const r = await t.get(path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.deepEqual(r.body, { name: 'linear', ready: true });
    }
  });

  test('a registered model that is not loaded: 503 {name, ready: false}', async () => {
    for (const path of ['/v2/models/idle/ready', '/v2/models/idle/versions/1/ready']) {
      const r = await t.get(path);
      assert.equal(r.status, 503, `${path}: ${r.text}`);
      assert.deepEqual(r.body, { name: 'idle', ready: false });
    }
  });

  test('an unknown model: 404; an unknown version: 404', async () => {
    let r = await t.get('/v2/models/nope/ready');
    assert.equal(r.status, 404, r.text);
    assert.equal(typeof r.body.error, 'string');
    r = await t.get('/v2/models/nope/versions/1/ready');
    assert.equal(r.status, 404, r.text);
    r = await t.get('/v2/models/linear/versions/7/ready');
    assert.equal(r.status, 404, r.text);
  });
});

describe('infer: every datatype, answers checked against the known weights', () => {
  test('FP32 linear, flat data, two rows', async () => {
    const rows = [
      [1, 2, 3, 4],
      [0.5, -1, 0, 2],
    ];
    const r = await infer('/v2/models/linear/infer', {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], data: rows.flat() }],
    });
    assert.equal(r.body.model_name, 'linear');
    assert.equal(r.body.model_version, '1');
    assert.ok(!('id' in r.body), 'no id when none was sent');
    const y = outputs(r).y!;
    assert.equal(y.datatype, 'FP32');
    assert.deepEqual(y.shape, [2, 1]);
    assertClose(y.data, rows.map((x) => linearExpect(linear, x)));
  });

  test('FP32 linear, nested data gives the same answer as flat', async () => {
    const rows = [
      [1, 2, 3, 4],
      [0.5, -1, 0, 2],
    ];
    const nested = await infer('/v2/models/linear/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], data: rows }] });
    const flat = await infer('/v2/models/linear/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], data: rows.flat() }] });
    assert.deepEqual(nested.body.outputs, flat.body.outputs);
  });

  test('the id is echoed', async () => {
    const r = await infer('/v2/models/linear/infer', {
      id: 'req-42',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }],
    });
    assert.equal(r.body.id, 'req-42');
  });

  test('FP32 MLP (Gemm, Relu, Softmax)', async () => {
    const x = [
      [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8],
      [1, 0, 0, 0, 0, 0, 0, -1],
    ];
    const expectRow = (row: number[]): number[] => {
      const h = mlp.b1.map((b, j) => Math.max(0, row.reduce((s, v, i) => s + v * mlp.w1[i]![j]!, b)));
      const logits = mlp.b2.map((b, k) => h.reduce((s, v, j) => s + v * mlp.w2[j]![k]!, b));
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    };
    const r = await infer('/v2/models/mlp/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 8], data: x }] });
    const p = outputs(r).probabilities!;
    assert.deepEqual(p.shape, [2, 3]);
    assertClose(p.data, x.flatMap(expectRow), 1e-4);
  });

  test('multi-input, multi-output', async () => {
    const a = [1, 2, -3, 0.5];
    const b = [4, -5, 6, 0.25];
    const r = await infer('/v2/models/multi/infer', {
      inputs: [
        { name: 'b', datatype: 'FP32', shape: [2, 2], data: b },
        { name: 'a', datatype: 'FP32', shape: [2, 2], data: a },
      ],
    });
    const o = outputs(r);
    assert.deepEqual(
      r.body.outputs.map((x: any) => x.name),
      ['sum', 'product'],
    );
    assertClose(o.sum!.data, a.map((v, i) => v + b[i]!));
    assertClose(o.product!.data, a.map((v, i) => v * b[i]!));
  });

  test('the outputs filter: one output only, and the asked order kept', async () => {
    const body = {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 2], data: [1, 2] },
        { name: 'b', datatype: 'FP32', shape: [1, 2], data: [3, 4] },
      ],
    };
    let r = await infer('/v2/models/multi/infer', { ...body, outputs: [{ name: 'product' }] });
    assert.deepEqual(
      r.body.outputs.map((x: any) => x.name),
      ['product'],
    );
    assertClose(r.body.outputs[0].data, [3, 8]);
    r = await infer('/v2/models/multi/infer', { ...body, outputs: [{ name: 'product' }, { name: 'sum' }] });
    assert.deepEqual(
      r.body.outputs.map((x: any) => x.name),
      ['product', 'sum'],
    );
  });

  test('INT64: values above 2^53 sent as strings are answered exactly', async () => {
    const big = '9007199254740993'; // 2^53 + 1: a JSON number would round it
    const r = await infer('/v2/models/int64/infer', {
      inputs: [{ name: 'ids', datatype: 'INT64', shape: [2, 3], data: [1, 2, 3, big, -5, 0] }],
    });
    const o = outputs(r);
    assert.equal(o.doubled!.datatype, 'INT64');
    assert.deepEqual(o.doubled!.shape, [2, 3]);
    assert.deepEqual(o.doubled!.data, [2, 4, 6, (2n * BigInt(big)).toString(), -10, 0]);
    assert.equal(o.total!.datatype, 'FP32');
    // Cast to float and ReduceSum in float32.
    assertClose(o.total!.data, [6, Math.fround(Math.fround(Number(BigInt(big))) - 5)]);
  });

  test('INT64: the largest and smallest values round-trip as strings', async () => {
    const r = await infer('/v2/models/int64/infer', {
      inputs: [{ name: 'ids', datatype: 'INT64', shape: [1, 3], data: ['4611686018427387903', '-4611686018427387904', '-9007199254740993'] }],
    });
    assert.deepEqual(outputs(r).doubled!.data, ['9223372036854775806', '-9223372036854775808', '-18014398509481986']);
  });

  test('BOOL', async () => {
    const r = await infer('/v2/models/bool/infer', {
      inputs: [{ name: 'flags', datatype: 'BOOL', shape: [2, 2], data: [[true, false], [false, false]] }],
    });
    const o = outputs(r).inverted!;
    assert.equal(o.datatype, 'BOOL');
    assert.deepEqual(o.data, [false, true, true, true]);
  });

  test('FP64 keeps double precision', async () => {
    const x = [0.1, 2.5, -3, 1e-300];
    const r = await infer('/v2/models/fp64/infer', { inputs: [{ name: 'x', datatype: 'FP64', shape: [2, 2], data: x }] });
    const o = outputs(r).y!;
    assert.equal(o.datatype, 'FP64');
    assert.deepEqual(o.data, x.map((v) => v + 1), 'exact in float64');
  });

  test('FP16 sent and answered as numbers', async () => {
    const x = [1.5, -2.25, 0.1, 1000];
    const r = await infer('/v2/models/fp16/infer', { inputs: [{ name: 'x', datatype: 'FP16', shape: [2, 2], data: x }] });
    const o = outputs(r).y!;
    assert.equal(o.datatype, 'FP16');
    assert.deepEqual(o.data, x.map((v) => fromHalf(toHalf(fromHalf(toHalf(v)) * 2))));
  });

  test('BYTES: strings in, the same strings out (unicode included)', async () => {
    const x = ['hello', '', 'ünïcødé 🚀', '{"not": "json"}'];
    const r = await infer('/v2/models/string/infer', { inputs: [{ name: 'text', datatype: 'BYTES', shape: [4], data: x }] });
    const o = outputs(r).echo!;
    assert.equal(o.datatype, 'BYTES');
    assert.deepEqual(o.shape, [4]);
    assert.deepEqual(o.data, x);
  });

  test('fixed shape [2,2]', async () => {
    const r = await infer('/v2/models/fixed/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2], data: [[1, 2], [3, 4]] }] });
    const o = outputs(r).y!;
    assert.deepEqual(o.shape, [2, 2]);
    assertClose(o.data, [2, 3, 4, 5]);
  });
});

describe('infer on a named version', () => {
  const x = [1, 2, 3, 4];
  const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: x }] };

  for (const [selector, version] of [
    ['2', '2'],
    ['canary', '2'],
    ['latest', '2'],
    ['1', '1'],
    ['production', '1'],
  ] as const) {
    test(`/versions/${selector}/infer answers version ${version}`, async () => {
      const r = await infer(`/v2/models/linear/versions/${selector}/infer`, body);
      assert.equal(r.body.model_version, version);
      assertClose(outputs(r).y!.data, [linearExpect(version === '2' ? linear2 : linear, x)]);
    });
  }

  test('without a version the production version (1) still answers', async () => {
    const r = await infer('/v2/models/linear/infer', body);
    assert.equal(r.body.model_version, '1');
    assertClose(outputs(r).y!.data, [linearExpect(linear, x)]);
  });

  test('a registered model without production answers 503 on the bare path, 200 on a version', async () => {
    const r = await t.post('/v2/models/idle/infer', body);
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.code, 'MODEL_NOT_READY');
    assert.match(r.body.error, /idle/);
    const v = await infer('/v2/models/idle/versions/1/infer', body);
    assert.equal(v.body.model_version, '1');
  });
});
