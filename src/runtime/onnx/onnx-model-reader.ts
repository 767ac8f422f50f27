/**
 * Reads an ONNX artifact's ModelProto (without running it): refuses what Mooring will not load, and derives the
 * Open Inference Protocol signature and the descriptive properties. `inspect` and `load` both call
 * `readOnnxModel`, so the signature a version is registered with is the signature it is served with.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { fail } from '../../core/errors.js';
import type { Datatype, Signature, TensorSpec } from '../../core/inference/tensor.js';
import type { ModelInfo } from '../model-runtime.js';
import { ONNX_ELEM_TYPE } from './onnx-graph-builder.js';

const { onnx } = onnxProto;

/** ONNX elem type -> datatype; ONNX types with no v2 datatype (BFLOAT16, complex, float8...) are absent. */
const DATATYPE_BY_ELEM_TYPE: ReadonlyMap<number, Datatype> = new Map(
  (Object.entries(ONNX_ELEM_TYPE) as [Datatype, number][]).map(([dt, elem]) => [elem, dt]),
);

/** protobufjs gives 64-bit fields as `Long` objects (or numbers); every value read here fits a double. */
type Int64Field = number | { toNumber(): number } | null | undefined;

function num(v: Int64Field): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/**
 * Decodes `bytes` as an ONNX ModelProto, refuses external tensor data anywhere in it, and returns its signature
 * and properties. Throws MooringError INVALID_MODEL naming the problem. Does not prove that onnxruntime can load
 * the model: the runtime does that.
 */
export function readOnnxModel(bytes: Uint8Array): ModelInfo {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw fail('INVALID_MODEL', `not an ONNX model: the bytes do not decode as an ONNX ModelProto (${message(err)})`);
  }
  const graph = model.graph;
  if (!graph || num(model.irVersion) <= 0 || model.opsetImport.length === 0) {
    throw fail('INVALID_MODEL', 'not an ONNX model: no graph, IR version or opset import in the decoded bytes');
  }
  refuseExternalData(model);
  return { signature: signatureOf(graph), properties: propertiesOf(model, graph) };
}

function signatureOf(graph: OnnxTypes.IGraphProto): Signature {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => tensorSpec(v, 'input'));
  const outputs = (graph.output ?? []).map((v) => tensorSpec(v, 'output'));
  return { inputs, outputs };
}

function tensorSpec(v: OnnxTypes.IValueInfoProto, role: 'input' | 'output'): TensorSpec {
  const name = v.name ?? '';
  const tensorType = v.type?.tensorType;
  if (!tensorType) {
    const kind = v.type?.sequenceType ? 'a sequence' : v.type?.mapType ? 'a map' : v.type?.optionalType
      ? 'an optional' : v.type?.sparseTensorType ? 'a sparse tensor' : 'not a tensor';
    throw fail('INVALID_MODEL', `${role} "${name}" is ${kind}; Mooring serves dense tensors only`, { [role]: name });
  }
  const elemType = tensorType.elemType ?? 0;
  const datatype = DATATYPE_BY_ELEM_TYPE.get(elemType);
  if (!datatype) {
    const onnxName = onnx.TensorProto.DataType[elemType] ?? `elem type ${elemType}`;
    throw fail('INVALID_MODEL', `${role} "${name}" has type ${onnxName}, which has no Open Inference Protocol datatype`, {
      [role]: name,
    });
  }
  if (!tensorType.shape) {
    // Without a rank the dataplane cannot check a request shape (and clients cannot be told one), so refuse early.
    throw fail('INVALID_MODEL', `${role} "${name}" declares no shape (unknown rank); Mooring needs the rank`, {
      [role]: name,
    });
  }
  const shape = (tensorType.shape.dim ?? []).map((d) => (d.dimValue !== null && d.dimValue !== undefined && !d.dimParam
    ? num(d.dimValue) : -1));
  return { name, datatype, shape };
}

function propertiesOf(model: OnnxTypes.ModelProto, graph: OnnxTypes.IGraphProto): Record<string, string> {
  const props: Record<string, string> = {};
  // metadata first, so a metadata key cannot shadow a fact read from the file structure
  for (const { key, value } of model.metadataProps) if (key) props[key] = value ?? '';
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  props.producer_name = model.producerName;
  props.producer_version = model.producerVersion;
  props.ir_version = String(num(model.irVersion));
  if (opset) props.opset = String(num(opset.version));
  props.graph_name = graph.name ?? '';
  if (model.domain) props.domain = model.domain;
  if (num(model.modelVersion) > 0) props.model_version = String(num(model.modelVersion));
  if (model.docString) props.doc_string = model.docString;
  return props;
}

/**
 * Refuses tensors stored outside the model (`data_location = EXTERNAL` or `external_data` entries) in every place
 * a tensor can live: initializers, sparse initializers, node attributes, subgraphs, functions and training info.
 * The location is a path read by the runtime, which ONNX CVEs have shown can escape the model folder.
 */
function refuseExternalData(model: OnnxTypes.ModelProto): void {
  const graphs: OnnxTypes.IGraphProto[] = [];
  if (model.graph) graphs.push(model.graph);
  for (const t of model.trainingInfo) {
    if (t.initialization) graphs.push(t.initialization);
    if (t.algorithm) graphs.push(t.algorithm);
  }
  for (const f of model.functions) for (const n of f.node ?? []) checkNode(n, graphs);
  for (let i = 0; i < graphs.length; i++) {
    const g = graphs[i]!;
    for (const t of g.initializer ?? []) checkTensor(t);
    for (const s of g.sparseInitializer ?? []) checkSparse(s);
    for (const n of g.node ?? []) checkNode(n, graphs);
  }
}

/** Checks a node's tensor attributes and queues its subgraphs (If/Loop/Scan bodies) for the caller's walk. */
function checkNode(node: OnnxTypes.INodeProto, graphs: OnnxTypes.IGraphProto[]): void {
  for (const a of node.attribute ?? []) {
    if (a.t) checkTensor(a.t, node);
    for (const t of a.tensors ?? []) checkTensor(t, node);
    if (a.sparseTensor) checkSparse(a.sparseTensor, node);
    for (const s of a.sparseTensors ?? []) checkSparse(s, node);
    if (a.g) graphs.push(a.g);
    for (const g of a.graphs ?? []) graphs.push(g);
  }
}

function checkSparse(s: OnnxTypes.ISparseTensorProto, node?: OnnxTypes.INodeProto): void {
  if (s.values) checkTensor(s.values, node);
  if (s.indices) checkTensor(s.indices, node);
}

function checkTensor(t: OnnxTypes.ITensorProto, node?: OnnxTypes.INodeProto): void {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    const where = node ? ` (in an attribute of ${node.opType ?? 'a'} node "${node.name ?? ''}")` : '';
    throw fail(
      'INVALID_MODEL',
      `tensor "${t.name ?? ''}"${where} uses external data; Mooring only loads self-contained models ` +
        '(external data locations can point outside the model folder)',
      { tensor: t.name ?? '' },
    );
  }
}

/** The message of an unknown thrown value. */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
