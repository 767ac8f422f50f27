import { fail } from '../../core/errors.js';
import type { Problem } from '../../core/validation/problems.js';
import type { Signature, Tensor, TensorSpec } from '../../core/inference/tensor.js';
import { preview } from '../json-elements.js';
import { DEFAULT_DECODE_LIMITS, jsonRowsToTensorData, tensorRowsToJson } from '../json-tensor.js';
import type { DecodeLimits } from '../json-tensor.js';

/**
 * The records format (TF Serving / KServe v1 `:predict`) for web apps: `{"instances": [...]}` in,
 * `{"predictions": [...]}` out, one prediction per instance. It carries no datatypes or shapes: those come from
 * the model's signature, and the instances are stacked along the input's first (batch) dimension. Values are
 * checked by the same JSON tensor decoder as v2.
 */

/** The records response body. */
export interface RecordsResponseBody {
  predictions: unknown[];
  model_name: string;
  model_version: string;
  /** Only on flagged answers: the anomalies the input showed (served under a `flag` policy). */
  warnings?: readonly Problem[];
  /** Only on answers a fallback gave: its kind (`cache`, `previous`, `rules`). */
  fallback?: string;
}

/**
 * Decodes `{"instances": [...]}` into one tensor per signature input, in signature order.
 *
 * With one input, instance i is that input's row (a scalar or a nested array of the input's shape without its
 * first dimension); an object keyed by the input's name is accepted as well. With several inputs, each instance
 * is an object keyed by input name. Variable row dimensions are taken from instance 0 and every instance must
 * agree. The stacked tensor has shape [n, ...row].
 * @throws MooringError INVALID_REQUEST, MISSING_INPUT, UNKNOWN_INPUT (naming the instance), SHAPE_MISMATCH (input
 *   has no batch dimension or a fixed one other than n, or an instance's row disagrees), and the element codes of
 *   `jsonToTensorData`.
 */
export function decodeRecordsRequest(body: unknown, signature: Signature, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Tensor[] {
  return decodeInstances(recordsInstances(body), signature, limits);
}

/** The `instances` array of a records body; INVALID_REQUEST unless it is a non-empty array. */
export function recordsInstances(body: unknown): unknown[] {
  if (!isObject(body)) throw fail('INVALID_REQUEST', `the request must be a JSON object {"instances": [...]}, got ${preview(body)}`);
  const instances = Object.hasOwn(body, 'instances') ? body['instances'] : undefined;
  if (!Array.isArray(instances) || instances.length === 0) {
    throw fail('INVALID_REQUEST', `"instances" must be a non-empty array (one entry per row), got ${preview(instances)}`);
  }
  return instances;
}

/** Stacks instances (rows, or objects keyed by input name) into one tensor per signature input. */
export function decodeInstances(instances: readonly unknown[], signature: Signature, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Tensor[] {
  const specs = signature.inputs;
  const keyed = checkKeys(instances, specs);
  const tensors = new Array<Tensor>(specs.length);
  for (let k = 0; k < specs.length; k++) {
    const spec = specs[k]!;
    // Single-input rows are the instances themselves (no copy) unless some instance is keyed by name.
    const rows = specs.length === 1 && !keyed ? instances : gather(instances, spec.name);
    const shape = stackedShape(rows, spec);
    const data = jsonRowsToTensorData(rows, spec.datatype, shape, `input ${JSON.stringify(spec.name)}`, limits, spec.name);
    tensors[k] = { name: spec.name, datatype: spec.datatype, shape, data };
  }
  return tensors;
}

/**
 * Checks every keyed instance against the signature's input names; returns whether any instance is keyed.
 * Single-input models may mix rows and keyed objects; multi-input models need objects.
 */
function checkKeys(instances: readonly unknown[], specs: readonly TensorSpec[]): boolean {
  const single = specs.length === 1;
  let keyed = false;
  let names: Set<string> | undefined;
  for (let i = 0; i < instances.length; i++) {
    const inst = instances[i];
    if (!isObject(inst)) {
      if (single) continue;
      throw fail(
        'INVALID_REQUEST',
        `instance ${i} must be an object keyed by input name (the model has inputs ${specs.map((s) => s.name).join(', ')}), got ${preview(inst)}`,
        { instance: i },
      );
    }
    keyed = true;
    names ??= new Set(specs.map((s) => s.name));
    for (const key in inst) {
      if (Object.hasOwn(inst, key) && !names.has(key)) {
        throw fail('UNKNOWN_INPUT', `instance ${i} names input ${quote(key)}, which the model does not have; its inputs are ${[...names].join(', ')}`, {
          instance: i,
          input: key,
        });
      }
    }
    for (const spec of specs) {
      if (!Object.hasOwn(inst, spec.name)) {
        throw fail('MISSING_INPUT', `instance ${i} has no value for input ${quote(spec.name)}`, { instance: i, input: spec.name });
      }
    }
  }
  return keyed;
}

/** Input `name`'s row of every instance (instances of a single-input model may also be bare rows). */
function gather(instances: readonly unknown[], name: string): unknown[] {
  const rows = new Array<unknown>(instances.length);
  for (let i = 0; i < instances.length; i++) {
    const inst = instances[i];
    rows[i] = isObject(inst) ? inst[name] : inst;
  }
  return rows;
}

/** [n, ...row]: fixed dimensions from the signature, variable ones read from instance 0's nesting. */
function stackedShape(rows: readonly unknown[], spec: TensorSpec): number[] {
  const n = rows.length;
  const declared = spec.shape;
  const name = JSON.stringify(spec.name);
  if (declared.length === 0) {
    throw fail('SHAPE_MISMATCH', `input ${name} is a scalar (shape []): records need a first (batch) dimension; use the v2 infer endpoint`, {
      input: spec.name,
    });
  }
  if (declared[0] !== -1 && declared[0] !== n) {
    throw fail('SHAPE_MISMATCH', `input ${name} takes exactly ${declared[0]} rows but the request has ${n} instances`, { input: spec.name });
  }
  const shape = new Array<number>(declared.length);
  shape[0] = n;
  const rowShape = `[${declared.slice(1).join(', ')}]`;
  let cur: unknown = rows[0];
  for (let d = 1; d < declared.length; d++) {
    const want = declared[d]!;
    if (!Array.isArray(cur)) {
      throw fail(
        'SHAPE_MISMATCH',
        `instance 0, input ${name}: row must be nested arrays of shape ${rowShape}; at depth ${d - 1} got ${preview(cur)}`,
        { input: spec.name, instance: 0 },
      );
    }
    if (want !== -1 && cur.length !== want) {
      throw fail('SHAPE_MISMATCH', `instance 0, input ${name}: row dimension ${d - 1} has ${cur.length} entries, the model takes ${want} (row shape ${rowShape})`, {
        input: spec.name,
        instance: 0,
      });
    }
    shape[d] = cur.length;
    if (cur.length === 0) {
      // An empty level leaves deeper variable dimensions unknowable; the row holds no elements either way.
      for (let e = d + 1; e < declared.length; e++) shape[e] = declared[e] === -1 ? 0 : declared[e]!;
      break;
    }
    cur = cur[0];
  }
  return shape;
}

/**
 * Builds `{"predictions": [...]}`: with one output, prediction i is that output's row i; with several, it is
 * `{ [outputName]: row i }`. Rows are the outputs split along their first dimension (see `tensorRowsToJson`).
 * @throws MooringError NON_FINITE_OUTPUT (NaN or Infinity in an output); NOT_IMPLEMENTED when several outputs do
 *   not share a first dimension, which the records format cannot express (the v2 endpoint can).
 */
export function encodeRecordsResponse(
  outputs: readonly Tensor[],
  r: { modelName: string; modelVersion: string; warnings?: readonly Problem[] | null },
): RecordsResponseBody {
  const body = encodePredictions(outputs, r);
  if (r.warnings) body.warnings = r.warnings;
  return body;
}

function encodePredictions(outputs: readonly Tensor[], r: { modelName: string; modelVersion: string }): RecordsResponseBody {
  if (outputs.length === 1) {
    return { predictions: tensorRowsToJson(outputs[0]!), model_name: r.modelName, model_version: r.modelVersion };
  }
  const first = outputs[0]?.shape[0] ?? 0;
  for (const t of outputs) {
    if (t.shape.length === 0 || t.shape[0] !== first) {
      throw fail(
        'NOT_IMPLEMENTED',
        `the model's outputs do not share a first (batch) dimension (${outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join(', ')}), ` +
          'so they cannot be split into records; use the v2 infer endpoint',
      );
    }
  }
  const rows = outputs.map(tensorRowsToJson);
  const predictions = new Array<unknown>(first);
  for (let i = 0; i < first; i++) {
    const record: Record<string, unknown> = {};
    for (let k = 0; k < outputs.length; k++) setOwn(record, outputs[k]!.name, rows[k]![i]);
    predictions[i] = record;
  }
  return { predictions, model_name: r.modelName, model_version: r.modelVersion };
}

/** `o[key] = value` as an own data property, even for `__proto__` (where plain assignment would set the prototype). */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function quote(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}
