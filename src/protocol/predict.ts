import type { Problem } from '../core/validation/problems.js';
import type { Dataplane } from '../services/dataplane.js';
import type { ServedVersion } from '../services/serving-pool.js';
import type { DecodeLimits } from './json-tensor.js';
import { decodeRecordsFor } from './v1/feature-records.js';
import { encodeRecordsResponse } from './v1/records.js';
import type { RecordsResponseBody } from './v1/records.js';
import type { InferRequest } from './v2/infer-request.js';
import { encodeInferResponse } from './v2/infer-response.js';
import type { InferResponseBody } from './v2/infer-response.js';

/**
 * Decode -> dataplane -> encode for both inference protocols, shared by the HTTP routes and the in-process admin
 * (the CLI's `predict` without a server), so the two can never answer differently.
 */

/** An encoded answer and the anomalies it was served with. */
export interface Answer<B> {
  readonly body: B;
  readonly warnings: readonly Problem[] | null;
  /** Rows the request scored (instances, or the first input's first dimension). */
  readonly rows: number;
}

/** Runs an already decoded Open Inference Protocol v2 request on a version. */
export async function answerV2(dataplane: Dataplane, target: ServedVersion, request: InferRequest): Promise<Answer<InferResponseBody>> {
  const { outputs, warnings } = await dataplane.infer(target, request.inputs, { outputs: request.outputs?.map((o) => o.name) });
  const body = encodeInferResponse({ modelName: target.name, modelVersion: target.label, id: request.id, outputs, warnings });
  const first = request.inputs[0]?.shape;
  return { body, warnings, rows: first && first.length > 0 ? first[0]! : 1 };
}

/** Decodes and runs a records body (`{"instances": [...]}`) on a version. */
export async function answerRecords(
  dataplane: Dataplane,
  target: ServedVersion,
  body: unknown,
  limits: DecodeLimits,
): Promise<Answer<RecordsResponseBody>> {
  const decoded = decodeRecordsFor(body, target.meta.signature, target.validator, limits);
  const { outputs, warnings } = await dataplane.infer(target, decoded.inputs, decoded);
  const answer = encodeRecordsResponse(outputs, { modelName: target.name, modelVersion: target.label, warnings });
  return { body: answer, warnings, rows: answer.predictions.length };
}
