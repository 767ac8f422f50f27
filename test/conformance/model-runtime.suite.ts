/**
 * The ModelRuntime contract as tests (see the header of src/runtime/model-runtime.ts). Every backend runs this one
 * suite with a line like `modelRuntimeSuite('onnx', () => new OnnxModelRuntime())`. It is fed with the fixture
 * zoo from test/fixtures/models.ts and computes expected answers from the fixtures' known parameters.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMooringError, type ErrorCode } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/core/random.js';
import type { Signature, Tensor } from '../../src/core/inference/tensor.js';
import type { LoadedModel, ModelRuntime } from '../../src/runtime/model-runtime.js';
import {
  externalDataModel,
  fixedShapeModel,
  garbageBytes,
  linearModel,
  linearModelV2,
  mlpModel,
  multiInputModel,
  type LinearFixture,
  type MlpFixture,
} from '../fixtures/models.js';

/** Asserts that `promise` rejects with a MooringError carrying `code`. */
export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isMooringError(err), `expected a MooringError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** Asserts two number lists are equal within an absolute-plus-relative tolerance (for float outputs). */
export function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= tolerance * (1 + Math.abs(e)), `element ${i}: got ${a}, expected ${e}`);
  }
}

/** Rows of FP32-representable values in [-5, 5) from a seeded PRNG. */
export function randomRows(rows: number, cols: number, seed: number): number[][] {
  const random = mulberry32(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround(random() * 10 - 5)));
}

function fp32(name: string, rows: readonly (readonly number[])[]): Tensor {
  return { name, datatype: 'FP32', shape: [rows.length, rows[0]?.length ?? 0], data: Float32Array.from(rows.flat()) };
}

function linearExpected(m: LinearFixture, rows: readonly (readonly number[])[]): number[] {
  return rows.map((r) => r.reduce((s, v, j) => s + v * m.weights[j]!, m.bias));
}

function mlpExpected(m: MlpFixture, rows: readonly (readonly number[])[]): number[] {
  return rows.flatMap((x) => {
    const h = m.b1.map((b, k) => Math.max(0, x.reduce((s, v, j) => s + v * m.w1[j]![k]!, b)));
    const logits = m.b2.map((b, c) => h.reduce((s, v, k) => s + v * m.w2[k]![c]!, b));
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  });
}

async function withModel<T>(runtime: ModelRuntime, bytes: Uint8Array, use: (m: LoadedModel) => Promise<T>): Promise<T> {
  const model = await runtime.load(bytes);
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

/** Runs the ModelRuntime contract against the runtime `makeRuntime` returns; `label` names it in the report. */
export function modelRuntimeSuite(label: string, makeRuntime: () => ModelRuntime): void {
  describe(`ModelRuntime conformance: ${label}`, () => {
    const runtime = makeRuntime();

    test('has a platform name', () => {
      assert.equal(typeof runtime.platform, 'string');
      assert.ok(runtime.platform.length > 0);
    });

    describe('inspect', () => {
      const cases: [string, Uint8Array, Signature][] = [
        ['linear', linearModel().bytes, {
          inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
          outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
        }],
        ['mlp', mlpModel().bytes, {
          inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 8] }],
          outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
        }],
        ['multi-input', multiInputModel().bytes, {
          inputs: [{ name: 'a', datatype: 'FP32', shape: [-1, 2] }, { name: 'b', datatype: 'FP32', shape: [-1, 2] }],
          outputs: [{ name: 'sum', datatype: 'FP32', shape: [-1, 2] }, { name: 'product', datatype: 'FP32', shape: [-1, 2] }],
        }],
        ['fixed-shape', fixedShapeModel().bytes, {
          inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2] }],
          outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 2] }],
        }],
      ];
      for (const [name, bytes, signature] of cases) {
        test(`reads the signature of ${name} (initializers are not inputs)`, async () => {
          const info = await runtime.inspect(bytes);
          assert.deepEqual(info.signature, signature);
          for (const value of Object.values(info.properties)) assert.equal(typeof value, 'string');
        });
      }

      test('refuses bytes that are not a model with INVALID_MODEL', async () => {
        await rejectsWithCode(runtime.inspect(garbageBytes()), 'INVALID_MODEL');
        await rejectsWithCode(runtime.inspect(new Uint8Array(0)), 'INVALID_MODEL');
      });

      test('refuses a model with external tensor data with INVALID_MODEL', async () => {
        await rejectsWithCode(runtime.inspect(externalDataModel().bytes), 'INVALID_MODEL');
      });
    });

    describe('load', () => {
      test('refuses bytes that are not a model with MODEL_LOAD_FAILED', async () => {
        await rejectsWithCode(runtime.load(garbageBytes()), 'MODEL_LOAD_FAILED');
      });

      test('the loaded signature equals the inspected one', async () => {
        const bytes = multiInputModel().bytes;
        const info = await runtime.inspect(bytes);
        await withModel(runtime, bytes, async (m) => assert.deepEqual(m.signature, info.signature));
      });
    });

    describe('infer', () => {
      test('linear: y = x·w + b for a batch', async () => {
        const fixture = linearModel();
        const rows = randomRows(7, 4, 1);
        await withModel(runtime, fixture.bytes, async (m) => {
          const [y, ...rest] = await m.infer([fp32('x', rows)]);
          assert.equal(rest.length, 0);
          assert.equal(y!.name, 'y');
          assert.equal(y!.datatype, 'FP32');
          assert.deepEqual([...y!.shape], [7, 1]);
          assertClose(y!.data as Float32Array, linearExpected(fixture, rows));
        });
      });

      test('mlp: Gemm -> Relu -> Gemm -> Softmax matches a reference computation', async () => {
        const fixture = mlpModel();
        const rows = randomRows(5, 8, 2);
        await withModel(runtime, fixture.bytes, async (m) => {
          const [p] = await m.infer([fp32('x', rows)]);
          assert.deepEqual([...p!.shape], [5, 3]);
          assertClose(p!.data as Float32Array, mlpExpected(fixture, rows), 1e-5);
        });
      });

      test('a single row and a fixed-shape model', async () => {
        await withModel(runtime, fixedShapeModel().bytes, async (m) => {
          const [y] = await m.infer([fp32('x', [[1, 2], [3, -4]])]);
          assert.deepEqual([...y!.shape], [2, 2]);
          assertClose(y!.data as Float32Array, [2, 3, 4, -3]);
        });
      });

      test('accepts input data that is a view into a larger buffer', async () => {
        const fixture = linearModel();
        const backing = new Float32Array([99, 99, 1, 2, 3, 4, 99]);
        const view = backing.subarray(2, 6);
        await withModel(runtime, fixture.bytes, async (m) => {
          const [y] = await m.infer([{ name: 'x', datatype: 'FP32', shape: [1, 4], data: view }]);
          assertClose(y!.data as Float32Array, linearExpected(fixture, [[1, 2, 3, 4]]));
        });
      });

      test('returns every output in signature order when none are named', async () => {
        await withModel(runtime, multiInputModel().bytes, async (m) => {
          const out = await m.infer([fp32('a', [[1, 2]]), fp32('b', [[3, 4]])]);
          assert.deepEqual(out.map((t) => t.name), ['sum', 'product']);
          assertClose(out[0]!.data as Float32Array, [4, 6]);
          assertClose(out[1]!.data as Float32Array, [3, 8]);
        });
      });

      test('the outputs filter returns only the named outputs, in the asked order', async () => {
        await withModel(runtime, multiInputModel().bytes, async (m) => {
          const inputs = [fp32('a', [[1, 2]]), fp32('b', [[3, 4]])];
          const only = await m.infer(inputs, ['product']);
          assert.deepEqual(only.map((t) => t.name), ['product']);
          assertClose(only[0]!.data as Float32Array, [3, 8]);
          const reversed = await m.infer(inputs, ['product', 'sum']);
          assert.deepEqual(reversed.map((t) => t.name), ['product', 'sum']);
          assertClose(reversed[1]!.data as Float32Array, [4, 6]);
        });
      });

      test('50 concurrent calls each get their own correct answer', async () => {
        const fixture = mlpModel();
        await withModel(runtime, fixture.bytes, async (m) => {
          const batches = Array.from({ length: 50 }, (_, i) => randomRows(1 + (i % 4), 8, 100 + i));
          const results = await Promise.all(batches.map((rows) => m.infer([fp32('x', rows)])));
          results.forEach(([p], i) => assertClose(p!.data as Float32Array, mlpExpected(fixture, batches[i]!)));
        });
      });

      test('two versions of a model loaded side by side answer independently', async () => {
        const v1 = linearModel();
        const v2 = linearModelV2();
        const rows = randomRows(3, 4, 3);
        await withModel(runtime, v1.bytes, (m1) =>
          withModel(runtime, v2.bytes, async (m2) => {
            const [[y1], [y2]] = await Promise.all([m1.infer([fp32('x', rows)]), m2.infer([fp32('x', rows)])]);
            assertClose(y1!.data as Float32Array, linearExpected(v1, rows));
            assertClose(y2!.data as Float32Array, linearExpected(v2, rows));
          }),
        );
      });

      test('infer after dispose throws INFERENCE_FAILED; dispose twice is harmless', async () => {
        const m = await runtime.load(linearModel().bytes);
        await m.dispose();
        await rejectsWithCode(m.infer([fp32('x', [[1, 2, 3, 4]])]), 'INFERENCE_FAILED');
        await m.dispose();
      });
    });
  });
}
