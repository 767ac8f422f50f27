import type { Datatype, Tensor } from '../../core/inference/tensor.js';
import type { Problem } from '../../core/validation/problems.js';
import { tensorToJson } from '../json-tensor.js';

/**
 * Encoder of the Open Inference Protocol v2 inference response: the exact JSON the spec names, built as a plain
 * object ready for `JSON.stringify` or a Fastify response serializer.
 */

/** One output tensor of a v2 response; `data` is flat, row-major. */
export interface InferResponseOutput {
  name: string;
  datatype: Datatype;
  shape: readonly number[];
  data: unknown[];
}

/** The v2 inference response body. `id` and `parameters` appear only when given. */
export interface InferResponseBody {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: InferResponseOutput[];
  /** Mooring's addition, only on flagged answers: the anomalies the input showed (served under a `flag` policy). */
  warnings?: readonly Problem[];
  /** Mooring's addition, only on answers a fallback gave: its kind (`cache`, `previous`, `rules`). */
  fallback?: string;
}

/** What the dataplane hands over to be encoded. */
export interface InferResult {
  modelName: string;
  modelVersion: string;
  /** The request's id, echoed back as the protocol requires. */
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: readonly Tensor[];
  /** Anomalies to report with the answer (a `flag` policy); null or absent when the input was clean. */
  warnings?: readonly Problem[] | null;
}

/**
 * Builds the v2 response body from the model's output tensors.
 * @throws MooringError NON_FINITE_OUTPUT when an output holds NaN or ±Infinity (see `tensorToJson`).
 */
export function encodeInferResponse(r: InferResult): InferResponseBody {
  const outputs = new Array<InferResponseOutput>(r.outputs.length);
  for (let i = 0; i < r.outputs.length; i++) {
    const t = r.outputs[i]!;
    outputs[i] = { name: t.name, datatype: t.datatype, shape: t.shape, data: tensorToJson(t) };
  }
  // Keys in the spec's order, optional ones only when present; one literal per case keeps object shapes stable.
  const model_name = r.modelName;
  const model_version = r.modelVersion;
  const { id, parameters } = r;
  if (r.warnings) {
    // Spec-conforming clients see a boolean parameter; the list itself rides in a top-level field they ignore.
    const flagged: InferResponseBody = { model_name, model_version, parameters: { ...parameters, out_of_distribution: true }, outputs };
    if (id !== undefined) flagged.id = id;
    flagged.warnings = r.warnings;
    return flagged;
  }
  if (id !== undefined) {
    return parameters !== undefined ? { model_name, model_version, id, parameters, outputs } : { model_name, model_version, id, outputs };
  }
  return parameters !== undefined ? { model_name, model_version, parameters, outputs } : { model_name, model_version, outputs };
}
