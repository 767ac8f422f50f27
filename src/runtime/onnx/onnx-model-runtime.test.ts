import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { isMooringError, type ErrorCode } from '../../core/errors.js';
import type { Datatype, Tensor, TensorData } from '../../core/inference/tensor.js';
import {
  boolModel,
  fp16Model,
  fp64Model,
  int64Model,
  linearModel,
  multiInputModel,
  nanModel,
  stringModel,
} from '../../../test/fixtures/models.js';
import { buildOnnxModel } from './onnx-graph-builder.js';
import { OnnxModelRuntime } from './onnx-model-runtime.js';

const { onnx } = onnxProto;
const runtime = new OnnxModelRuntime();

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, text?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isMooringError(err), String(err));
    assert.equal(err.code, code, err.message);
    if (text) assert.match(err.message, text);
    return true;
  });
}

async function run(bytes: Uint8Array, inputs: Tensor[], outputs?: string[]): Promise<Tensor[]> {
  const model = await runtime.load(bytes);
  try {
    return await model.infer(inputs, outputs);
  } finally {
    await model.dispose();
  }
}

/** Decodes a model, lets `edit` change the proto, and encodes it again: for shapes the builder will not write. */
function edited(bytes: Uint8Array, edit: (m: OnnxTypes.ModelProto) => void): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  edit(model);
  return onnx.ModelProto.encode(model).finish();
}

describe('OnnxModelRuntime: datatypes round-trip', () => {
  test('INT64 in and out (beyond 2^53), with an FP32 reduction beside it', async () => {
    const big = 2n ** 60n + 1n;
    const [doubled, total] = await run(int64Model().bytes, [
      { name: 'ids', datatype: 'INT64', shape: [2, 3], data: new BigInt64Array([1n, -2n, 3n, big, 0n, 5n]) },
    ]);
    assert.equal(doubled!.datatype, 'INT64');
    assert.ok(doubled!.data instanceof BigInt64Array);
    assert.deepEqual([...doubled!.data], [2n, -4n, 6n, big * 2n, 0n, 10n]);
    assert.equal(total!.datatype, 'FP32');
    assert.deepEqual([...total!.shape], [2, 1]);
    assert.deepEqual([...(total!.data as Float32Array)], [2, Math.fround(Number(big) + 5)]);
  });

  test('BOOL in as Uint8Array 0/1, out as a plain Uint8Array 0/1', async () => {
    const [inverted] = await run(boolModel().bytes, [
      { name: 'flags', datatype: 'BOOL', shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
    ]);
    assert.equal(inverted!.datatype, 'BOOL');
    assert.equal(inverted!.data.constructor, Uint8Array);
    assert.deepEqual([...(inverted!.data as Uint8Array)], [0, 1, 1, 0]);
  });

  test('FP64 keeps double precision', async () => {
    const [y] = await run(fp64Model().bytes, [
      { name: 'x', datatype: 'FP64', shape: [1, 2], data: new Float64Array([0.1, 1e300]) },
    ]);
    assert.equal(y!.datatype, 'FP64');
    assert.ok(y!.data instanceof Float64Array);
    assert.deepEqual([...y!.data], [1.1, 1e300]);
  });

  test('FP16 travels as half-precision bits in a Uint16Array', async () => {
    // 1.0 = 0x3c00, 1.5 = 0x3e00, -2.5 = 0xc100; doubled: 2.0 = 0x4000, 3.0 = 0x4200, -5.0 = 0xc500
    const [y] = await run(fp16Model().bytes, [
      { name: 'x', datatype: 'FP16', shape: [1, 2], data: new Uint16Array([0x3c00, 0x3e00]) },
    ]);
    assert.equal(y!.datatype, 'FP16');
    assert.equal(y!.data.constructor, Uint16Array);
    assert.deepEqual([...y!.data], [0x4000, 0x4200]);
    const [neg] = await run(fp16Model().bytes, [
      { name: 'x', datatype: 'FP16', shape: [1, 2], data: new Uint16Array([0xc100, 0]) },
    ]);
    assert.deepEqual([...neg!.data], [0xc500, 0]);
  });

  test('BYTES in and out as strings (unicode and empty included)', async () => {
    const [echo] = await run(stringModel().bytes, [
      { name: 'text', datatype: 'BYTES', shape: [3], data: ['hello', 'héllo wörld ✓', ''] },
    ]);
    assert.equal(echo!.datatype, 'BYTES');
    assert.deepEqual(echo!.data, ['hello', 'héllo wörld ✓', '']);
  });

  const identityCases: [Datatype, TensorData][] = [
    ['UINT8', new Uint8Array([0, 255])],
    ['INT8', new Int8Array([-128, 127])],
    ['UINT16', new Uint16Array([0, 65535])],
    ['INT16', new Int16Array([-32768, 32767])],
    ['UINT32', new Uint32Array([0, 4294967295])],
    ['INT32', new Int32Array([-2147483648, 2147483647])],
    ['UINT64', new BigUint64Array([0n, 18446744073709551615n])],
  ];
  for (const [datatype, data] of identityCases) {
    test(`${datatype} round-trips through Identity in its own array kind`, async () => {
      const bytes = buildOnnxModel({
        inputs: [{ name: 'v', datatype, shape: [-1] }],
        outputs: [{ name: 'w', datatype, shape: [-1] }],
        nodes: [{ op: 'Identity', inputs: ['v'], outputs: ['w'] }],
      });
      const [w] = await run(bytes, [{ name: 'v', datatype, shape: [2], data }]);
      assert.equal(w!.datatype, datatype);
      assert.equal(w!.data.constructor, data.constructor);
      assert.deepEqual([...w!.data], [...data]);
    });
  }

  test('FP16 initializers are written as correctly rounded half floats', async () => {
    const bytes = buildOnnxModel({
      inputs: [{ name: 'x', datatype: 'FP16', shape: [5] }],
      outputs: [{ name: 'y', datatype: 'FP16', shape: [5] }],
      initializers: [{ name: 'c', datatype: 'FP16', dims: [5], values: [1.5, -2.5, 65504, 1e6, 1 + 2 ** -11] }],
      nodes: [{ op: 'Add', inputs: ['x', 'c'], outputs: ['y'] }],
    });
    const [y] = await run(bytes, [{ name: 'x', datatype: 'FP16', shape: [5], data: new Uint16Array(5) }]);
    // 1 + 2^-11 is halfway between 1 and the next half; ties go to even (1.0)
    assert.deepEqual([...y!.data], [0x3e00, 0xc100, 0x7bff, 0x7c00, 0x3c00]);
  });

  test('a NaN produced by the model comes back as NaN, not as an error', async () => {
    const [y] = await run(nanModel().bytes, [{ name: 'x', datatype: 'FP32', shape: [3, 1], data: new Float32Array([4, -1, 0]) }]);
    const data = y!.data as Float32Array;
    assert.equal(data[0], 2);
    assert.ok(Number.isNaN(data[1]));
    assert.equal(data[2], 0);
  });

  test('a batch of zero rows gives an empty result of the right shape', async () => {
    const [y] = await run(linearModel().bytes, [{ name: 'x', datatype: 'FP32', shape: [0, 4], data: new Float32Array(0) }]);
    assert.deepEqual([...y!.shape], [0, 1]);
    assert.equal(y!.data.length, 0);
  });
});

describe('OnnxModelRuntime: signature and properties', () => {
  test('properties carry producer, IR version, opset, graph name, doc string and metadata', async () => {
    const bytes = buildOnnxModel({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 'features', -1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 'features', -1] }],
      nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
      opset: 13,
      producer: 'unit-test',
      producerVersion: '1.2.3',
      graphName: 'identity',
      docString: 'passes x through',
      metadata: { owner: 'team-a', opset: 'a lie' },
    });
    const info = await runtime.inspect(bytes);
    assert.deepEqual(info.signature.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, -1, -1] }]);
    assert.deepEqual(info.properties, {
      owner: 'team-a',
      opset: '13', // metadata cannot override what the file structure says
      producer_name: 'unit-test',
      producer_version: '1.2.3',
      ir_version: '8',
      graph_name: 'identity',
      doc_string: 'passes x through',
    });
  });

  test('a graph input that is also an initializer is not a signature input', async () => {
    const bytes = buildOnnxModel({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }, { name: 'offset', datatype: 'FP32', shape: [1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
      initializers: [{ name: 'offset', datatype: 'FP32', dims: [1], values: [3] }],
      nodes: [{ op: 'Add', inputs: ['x', 'offset'], outputs: ['y'] }],
    });
    const info = await runtime.inspect(bytes);
    assert.deepEqual(info.signature.inputs.map((i) => i.name), ['x']);
    const [y] = await run(bytes, [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: new Float32Array([1]) }]);
    assert.deepEqual([...(y!.data as Float32Array)], [4]);
  });

  test('a dimension with neither value nor name reads as -1', async () => {
    const bytes = edited(linearModel().bytes, (m) => {
      m.graph!.input![0]!.type!.tensorType!.shape!.dim![1] = {};
    });
    const info = await runtime.inspect(bytes);
    assert.deepEqual(info.signature.inputs[0]!.shape, [-1, -1]);
  });
});

describe('OnnxModelRuntime: refusals', () => {
  test('an input of a type with no v2 datatype (BFLOAT16) is INVALID_MODEL naming it', async () => {
    const bytes = edited(nanModel().bytes, (m) => {
      m.graph!.input![0]!.type!.tensorType!.elemType = onnx.TensorProto.DataType.BFLOAT16;
    });
    await rejectsWith(runtime.inspect(bytes), 'INVALID_MODEL', /input "x" has type BFLOAT16/);
  });

  test('a sequence output is INVALID_MODEL naming it', async () => {
    const bytes = edited(nanModel().bytes, (m) => {
      m.graph!.output![0]!.type = { sequenceType: { elemType: { tensorType: { elemType: 1 } } } };
    });
    await rejectsWith(runtime.inspect(bytes), 'INVALID_MODEL', /output "y" is a sequence/);
  });

  test('an input without a shape (unknown rank) is INVALID_MODEL', async () => {
    const bytes = edited(nanModel().bytes, (m) => {
      m.graph!.input![0]!.type!.tensorType!.shape = null;
    });
    await rejectsWith(runtime.inspect(bytes), 'INVALID_MODEL', /unknown rank/);
  });

  test('external data in a Constant node inside an If branch is refused', async () => {
    const external = { name: 'c', dataType: 1, dims: [1], externalData: [{ key: 'location', value: '/etc/passwd' }] };
    const bytes = buildOnnxModel({
      inputs: [{ name: 'cond', datatype: 'BOOL', shape: [] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [1] }],
      nodes: [{ op: 'Identity', inputs: ['cond'], outputs: ['y'] }],
    });
    const withIf = edited(bytes, (m) => {
      const branch = (tensor: OnnxTypes.ITensorProto): OnnxTypes.IGraphProto => ({
        name: 'branch',
        node: [{ opType: 'Constant', name: 'k', output: ['v'], attribute: [{ name: 'value', type: 4, t: tensor }] }],
        output: [{ name: 'v', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } }],
      });
      const safe = { name: 'c', dataType: 1, dims: [1], floatData: [1] };
      m.graph!.node = [{
        opType: 'If', name: 'choose', input: ['cond'], output: ['y'],
        attribute: [{ name: 'then_branch', type: 5, g: branch(safe) }, { name: 'else_branch', type: 5, g: branch(external) }],
      }];
    });
    await rejectsWith(runtime.inspect(withIf), 'INVALID_MODEL', /tensor "c" \(in an attribute of Constant node "k"\) uses external data/);
  });

  test('an initializer with DataLocation EXTERNAL alone is refused', async () => {
    const bytes = edited(linearModel().bytes, (m) => {
      m.graph!.initializer![0]!.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    });
    await rejectsWith(runtime.inspect(bytes), 'INVALID_MODEL', /external data/);
  });

  test('a well-formed proto onnxruntime cannot load: INVALID_MODEL on inspect, MODEL_LOAD_FAILED on load', async () => {
    const bytes = buildOnnxModel({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
      nodes: [{ op: 'NoSuchOperator', inputs: ['x'], outputs: ['y'] }],
    });
    await rejectsWith(runtime.inspect(bytes), 'INVALID_MODEL', /onnxruntime cannot load the model: .*NoSuchOperator/);
    await rejectsWith(runtime.load(bytes), 'MODEL_LOAD_FAILED', /NoSuchOperator/);
  });
});

describe('OnnxModelRuntime: runtime failures and lifecycle', () => {
  const a = (rows: number): Tensor => ({ name: 'a', datatype: 'FP32', shape: [rows, 2], data: new Float32Array(rows * 2) });
  const b = (rows: number): Tensor => ({ name: 'b', datatype: 'FP32', shape: [rows, 2], data: new Float32Array(rows * 2) });

  test("an onnxruntime error while running is INFERENCE_FAILED carrying onnxruntime's message", async () => {
    const model = await runtime.load(multiInputModel().bytes);
    try {
      await rejectsWith(model.infer([a(2), b(3)]), 'INFERENCE_FAILED', /onnxruntime failed to run the model: .+/);
      await rejectsWith(model.infer([a(1), b(1)], ['no_such_output']), 'INFERENCE_FAILED');
      const [sum] = await model.infer([a(1), b(1)], ['sum']); // still usable afterwards
      assert.deepEqual([...(sum!.data as Float32Array)], [0, 0]);
    } finally {
      await model.dispose();
    }
  });

  test('dispose lets calls already running finish, then refuses new ones', async () => {
    const model = await runtime.load(multiInputModel().bytes);
    const running = Array.from({ length: 10 }, () => model.infer([a(4), b(4)]));
    const disposed = model.dispose();
    await rejectsWith(model.infer([a(1), b(1)]), 'INFERENCE_FAILED', /dispose/);
    const results = await Promise.all(running);
    await disposed;
    for (const [sum, product] of results) {
      assert.deepEqual([...sum!.shape], [4, 2]);
      assert.deepEqual([...product!.shape], [4, 2]);
    }
  });

  test('intraOpThreads is accepted', async () => {
    const model = await runtime.load(linearModel().bytes, { intraOpThreads: 2 });
    const [y] = await model.infer([{ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array([0, 0, 0, 0]) }]);
    assert.deepEqual([...(y!.data as Float32Array)], [0.125]);
    await model.dispose();
  });
});
