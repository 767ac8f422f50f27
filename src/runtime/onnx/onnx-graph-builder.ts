/**
 * A small typed writer of ONNX models: describe inputs, outputs, initializers and nodes, get the ModelProto bytes.
 *
 * It exists so the demo model, the test fixtures and the benchmark models are built in-process and
 * deterministically from source, with no Python toolchain and no downloaded artifacts. It writes only what those
 * need (one graph, default-domain operators, dense tensors); it is not a general ONNX editor.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { fail } from '../../core/errors.js';
import { toHalf } from '../../core/inference/half.js';
import type { Datatype } from '../../core/inference/tensor.js';

const { onnx } = onnxProto;

/** ONNX `TensorProto.DataType` for each Open Inference Protocol datatype; the reader inverts this same table. */
export const ONNX_ELEM_TYPE: Readonly<Record<Datatype, number>> = {
  BOOL: onnx.TensorProto.DataType.BOOL,
  UINT8: onnx.TensorProto.DataType.UINT8,
  UINT16: onnx.TensorProto.DataType.UINT16,
  UINT32: onnx.TensorProto.DataType.UINT32,
  UINT64: onnx.TensorProto.DataType.UINT64,
  INT8: onnx.TensorProto.DataType.INT8,
  INT16: onnx.TensorProto.DataType.INT16,
  INT32: onnx.TensorProto.DataType.INT32,
  INT64: onnx.TensorProto.DataType.INT64,
  FP16: onnx.TensorProto.DataType.FLOAT16,
  FP32: onnx.TensorProto.DataType.FLOAT,
  FP64: onnx.TensorProto.DataType.DOUBLE,
  BYTES: onnx.TensorProto.DataType.STRING,
};

/**
 * A graph input or output. Shape entries are fixed sizes, symbolic names (written as `dim_param`), or `-1`
 * (an unnamed variable size, written as `dim_param` "batch" for the first dimension and "dim<i>" after it).
 */
export interface ValueSpec {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly (number | string)[];
}

/**
 * A constant tensor: weights and biases. `values` are in row-major order; FP16 values are ordinary numbers
 * (converted to half precision here), BOOL values are 0/1, BYTES are not supported (no model here needs them).
 */
export interface TensorValueSpec {
  readonly datatype: Datatype;
  readonly dims: readonly number[];
  readonly values: readonly number[] | readonly bigint[];
}

/** A named initializer (a graph constant such as a weight matrix). */
export interface InitializerSpec extends TensorValueSpec {
  readonly name: string;
}

/**
 * A node attribute value. A whole number becomes an INT attribute and any other number a FLOAT; a number array
 * becomes INTS when every entry is whole, FLOATS otherwise. Use `{ float }` / `{ floats }` to force FLOAT(S) for
 * whole values (for example Gemm's `alpha: { float: 1 }`), and `{ tensor }` for a TENSOR attribute (Constant).
 */
export type AttributeValue =
  | number
  | readonly number[]
  | string
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly tensor: TensorValueSpec };

/** One operator application. `op` is the ONNX op type in the default domain, e.g. `MatMul`. */
export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** Everything `buildOnnxModel` needs to write one model. */
export interface OnnxModelSpec {
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly initializers?: readonly InitializerSpec[];
  readonly nodes: readonly NodeSpec[];
  /** Default-domain opset version; 17 when omitted. */
  readonly opset?: number;
  /** `producer_name`; "mooring" when omitted. */
  readonly producer?: string;
  readonly producerVersion?: string;
  readonly graphName?: string;
  readonly docString?: string;
  /** Written as `metadata_props`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** For tests only: initializers written as external data (a file reference instead of values). */
  readonly externalDataFor?: readonly string[];
}

/** The ONNX IR version written (IR 8 matches opset 17 and is read by every current onnxruntime). */
export const IR_VERSION = 8;
/** The default-domain opset written when the spec does not name one. */
export const DEFAULT_OPSET = 17;

/** Writes `spec` as an ONNX ModelProto and returns its serialized bytes. Deterministic: same spec, same bytes. */
export function buildOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const external = new Set(spec.externalDataFor ?? []);
  const initializers = (spec.initializers ?? []).map((init) => {
    const tensor = tensorProto(init, init.name);
    if (!external.has(init.name)) return tensor;
    return {
      ...tensor,
      rawData: null,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: '../../outside-the-model-folder.bin' },
        { key: 'offset', value: '0' },
      ],
    } satisfies OnnxTypes.ITensorProto;
  });
  const model: OnnxTypes.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: spec.opset ?? DEFAULT_OPSET }],
    producerName: spec.producer ?? 'mooring',
    producerVersion: spec.producerVersion ?? '',
    docString: spec.docString ?? '',
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.graphName ?? 'graph',
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: initializers,
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op.toLowerCase()}_${i}`,
        opType: n.op,
        domain: '',
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

function valueInfo(v: ValueSpec): OnnxTypes.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_ELEM_TYPE[v.datatype],
        shape: {
          dim: v.shape.map((d, i) => {
            if (typeof d === 'string') return { dimParam: d };
            if (d === -1) return { dimParam: i === 0 ? 'batch' : `dim${i}` };
            return { dimValue: d };
          }),
        },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  }
  if (isNumberArray(value)) {
    return value.every(Number.isInteger)
      ? { name, type: T.INTS, ints: [...value] }
      : { name, type: T.FLOATS, floats: [...value] };
  }
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: T.FLOATS, floats: [...value.floats] };
  return { name, type: T.TENSOR, t: tensorProto(value.tensor, name) };
}

function isNumberArray(value: AttributeValue): value is readonly number[] {
  return Array.isArray(value);
}

/** Dense tensor as little-endian `raw_data` (every host Node runs on in practice is little-endian). */
function tensorProto(t: TensorValueSpec, name: string): OnnxTypes.ITensorProto {
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (t.values.length !== expected) {
    throw fail('INTERNAL', `buildOnnxModel: tensor ${name} has ${t.values.length} values for dims [${t.dims.join(', ')}] (${expected} expected)`);
  }
  return { name, dataType: ONNX_ELEM_TYPE[t.datatype], dims: [...t.dims], rawData: rawBytes(t) };
}

function rawBytes(t: TensorValueSpec): Uint8Array {
  const nums = (): number[] => Array.from(t.values as readonly (number | bigint)[], Number);
  const bigs = (): bigint[] => Array.from(t.values as readonly (number | bigint)[], (v) => BigInt(v));
  let arr: ArrayBufferView;
  switch (t.datatype) {
    case 'FP32': arr = Float32Array.from(nums()); break;
    case 'FP64': arr = Float64Array.from(nums()); break;
    case 'FP16': arr = Uint16Array.from(nums(), toHalf); break;
    case 'INT8': arr = Int8Array.from(nums()); break;
    case 'INT16': arr = Int16Array.from(nums()); break;
    case 'INT32': arr = Int32Array.from(nums()); break;
    case 'INT64': arr = BigInt64Array.from(bigs()); break;
    case 'UINT8': arr = Uint8Array.from(nums()); break;
    case 'BOOL': arr = Uint8Array.from(nums(), (v) => (v ? 1 : 0)); break;
    case 'UINT16': arr = Uint16Array.from(nums()); break;
    case 'UINT32': arr = Uint32Array.from(nums()); break;
    case 'UINT64': arr = BigUint64Array.from(bigs()); break;
    case 'BYTES': throw fail('INTERNAL', 'buildOnnxModel: BYTES initializers are not supported');
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}
