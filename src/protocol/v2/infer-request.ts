import { fail } from '../../core/errors.js';
import { DATATYPES, isDatatype } from '../../core/inference/tensor.js';
import type { Tensor } from '../../core/inference/tensor.js';
import { preview } from '../json-elements.js';
import { DEFAULT_DECODE_LIMITS, jsonToTensorData } from '../json-tensor.js';
import type { DecodeLimits } from '../json-tensor.js';

/**
 * Decoder of the Open Inference Protocol v2 inference request (JSON body of `POST .../infer`).
 *
 * Only the known keys are read, each as an own property, and every object returned is built here: keys such as
 * `__proto__` or `constructor` in the body stay inert data and never reach a prototype or a trusted object.
 * Checking the tensors against the model (names, datatypes, shapes) is the dataplane's job, not this one's.
 */

/** One entry of the request's `outputs` filter. */
export interface RequestedOutput {
  name: string;
  /** The output's `parameters` object as sent (after the binary extension check). */
  parameters?: Record<string, unknown>;
}

/** A decoded inference request: the tensors are in the typed arrays the runtime takes. */
export interface InferRequest {
  /** The request id, echoed in the response. */
  id?: string;
  /** Request-level `parameters` as sent (an object). */
  parameters?: Record<string, unknown>;
  inputs: Tensor[];
  /** The outputs wanted; absent means all of them. */
  outputs?: RequestedOutput[];
}

/** Above this many inputs, duplicate names are found with a Set instead of pairwise comparison. */
const PAIRWISE_LIMIT = 8;
const DATATYPE_LIST = DATATYPES.join(', ');

/**
 * Decodes and checks a parsed v2 inference request body. Per-input `parameters` are checked (object, no binary
 * extension) but not kept: nothing downstream reads them today.
 * @throws MooringError INVALID_REQUEST (shape of the body), INVALID_DATATYPE, SHAPE_MISMATCH, DUPLICATE_INPUT,
 *   NOT_IMPLEMENTED (binary tensor data extension), and the element codes of `jsonToTensorData`.
 */
export function decodeInferRequest(body: unknown, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): InferRequest {
  if (!isObject(body)) {
    throw fail('INVALID_REQUEST', `the inference request must be a JSON object, got ${preview(body)}`);
  }
  const id = own(body, 'id');
  if (id !== undefined && typeof id !== 'string') {
    throw fail('INVALID_REQUEST', `"id" must be a string, got ${preview(id)}`);
  }
  const parameters = optionalObject(own(body, 'parameters'), '"parameters"');
  if (parameters !== undefined && own(parameters, 'binary_data_output') === true) {
    throw binaryNotImplemented('request parameter "binary_data_output"');
  }
  const rawInputs = own(body, 'inputs');
  if (!Array.isArray(rawInputs) || rawInputs.length === 0) {
    throw fail('INVALID_REQUEST', `"inputs" must be a non-empty array of tensors, got ${preview(rawInputs)}`);
  }
  const inputs = new Array<Tensor>(rawInputs.length);
  const seen = rawInputs.length > PAIRWISE_LIMIT ? new Set<string>() : undefined;
  for (let i = 0; i < rawInputs.length; i++) {
    const tensor = decodeInput(rawInputs[i], i, limits);
    if (seen !== undefined) {
      if (seen.has(tensor.name)) throw duplicateInput(tensor.name);
      seen.add(tensor.name);
    } else {
      for (let j = 0; j < i; j++) if (inputs[j]!.name === tensor.name) throw duplicateInput(tensor.name);
    }
    inputs[i] = tensor;
  }
  const request: InferRequest = { inputs };
  if (id !== undefined) request.id = id;
  if (parameters !== undefined) request.parameters = parameters;
  const rawOutputs = own(body, 'outputs');
  if (rawOutputs !== undefined) request.outputs = decodeOutputs(rawOutputs);
  return request;
}

function decodeInput(raw: unknown, i: number, limits: DecodeLimits): Tensor {
  if (!isObject(raw)) throw fail('INVALID_REQUEST', `inputs[${i}] must be an object, got ${preview(raw)}`, { index: i });
  const name = own(raw, 'name');
  if (typeof name !== 'string' || name.length === 0) {
    throw fail('INVALID_REQUEST', `inputs[${i}].name must be a non-empty string, got ${preview(name)}`, { index: i });
  }
  // A plain template for ordinary names (JSON.stringify here would cost ~100 ns per input on every request).
  const where = name.length <= 64 ? `input "${name}"` : `input ${quote(name)}`;
  const datatype = own(raw, 'datatype');
  if (!isDatatype(datatype)) {
    throw fail('INVALID_DATATYPE', `${where}: datatype ${preview(datatype)} is not one of ${DATATYPE_LIST}`, { input: name });
  }
  const shape = decodeShape(own(raw, 'shape'), where, name);
  const parameters = optionalObject(own(raw, 'parameters'), `${where}: "parameters"`);
  // Checked before "data": a binary input carries its bytes after the JSON and has no "data" field.
  if (parameters !== undefined && own(parameters, 'binary_data_size') !== undefined) {
    throw binaryNotImplemented(`${where}: parameter "binary_data_size"`);
  }
  if (!Object.hasOwn(raw, 'data')) {
    throw fail('INVALID_REQUEST', `${where} has no "data"`, { input: name });
  }
  const data = jsonToTensorData(own(raw, 'data'), datatype, shape, where, limits, name);
  return { name, datatype, shape, data };
}

/** A fresh array of the shape's whole numbers (never the caller's array). */
function decodeShape(raw: unknown, where: string, input: string): number[] {
  if (!Array.isArray(raw)) {
    throw fail('SHAPE_MISMATCH', `${where}: shape must be an array of whole numbers >= 0, got ${preview(raw)}`, { input });
  }
  const shape = new Array<number>(raw.length);
  for (let k = 0; k < raw.length; k++) {
    const d: unknown = raw[k];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw fail('SHAPE_MISMATCH', `${where}: shape[${k}] is ${preview(d)}, not a whole number >= 0`, { input, dimension: k });
    }
    shape[k] = d;
  }
  return shape;
}

function decodeOutputs(raw: unknown): RequestedOutput[] {
  if (!Array.isArray(raw)) throw fail('INVALID_REQUEST', `"outputs" must be an array, got ${preview(raw)}`);
  const outputs = new Array<RequestedOutput>(raw.length);
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const item: unknown = raw[i];
    if (!isObject(item)) throw fail('INVALID_REQUEST', `outputs[${i}] must be an object, got ${preview(item)}`, { index: i });
    const name = own(item, 'name');
    if (typeof name !== 'string' || name.length === 0) {
      throw fail('INVALID_REQUEST', `outputs[${i}].name must be a non-empty string, got ${preview(name)}`, { index: i });
    }
    if (seen.has(name)) {
      throw fail('INVALID_REQUEST', `output ${quote(name)} is requested twice`, { output: name });
    }
    seen.add(name);
    const parameters = optionalObject(own(item, 'parameters'), `output ${quote(name)}: "parameters"`);
    if (parameters !== undefined && own(parameters, 'binary_data') === true) {
      throw binaryNotImplemented(`output ${quote(name)}: parameter "binary_data"`);
    }
    outputs[i] = parameters === undefined ? { name } : { name, parameters };
  }
  return outputs;
}

/** True for a JSON object (not null, not an array). */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `o[key]` only when it is o's own property, so nothing is ever read through the prototype chain. */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function optionalObject(v: unknown, what: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw fail('INVALID_REQUEST', `${what} must be an object, got ${preview(v)}`);
  return v;
}

/** A name quoted for a message, cut short so a huge name cannot bloat the error. */
function quote(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}

function duplicateInput(name: string): Error {
  return fail('DUPLICATE_INPUT', `input ${quote(name)} appears more than once`, { input: name });
}

function binaryNotImplemented(what: string): Error {
  return fail(
    'NOT_IMPLEMENTED',
    `${what} asks for the binary tensor data extension, which Mooring does not implement: send tensor data as JSON ` +
      `(omit the parameter, or set binary_data / binary_data_output to false)`,
  );
}
