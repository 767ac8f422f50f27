import type { Problem } from '../core/validation/problems.js';
import type { Tensor } from '../core/inference/tensor.js';
import type { Dataplane, InferOptions } from '../services/dataplane.js';
import type { FallbackAnswer } from '../services/resilience/fallback-chain.js';
import type { ServedVersion } from '../services/serving-pool.js';
import type { DecodeLimits } from './json-tensor.js';
import { decodeRecordsFor } from './v1/feature-records.js';
import { encodeRecordsResponse } from './v1/records.js';
import type { RecordsResponseBody } from './v1/records.js';
import { recordsInstances } from './v1/records.js';
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
export async function answerV2(
  dataplane: Dataplane,
  target: ServedVersion,
  request: InferRequest,
  options: Pick<InferOptions, 'startedAt' | 'production'> = {},
): Promise<Answer<InferResponseBody>> {
  const { outputs, warnings } = await dataplane.infer(target, request.inputs, { ...options, outputs: request.outputs?.map((o) => o.name) });
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
  options: Pick<InferOptions, 'startedAt' | 'production'> = {},
): Promise<Answer<RecordsResponseBody>> {
  const decoded = decodeRecordsFor(body, target.meta.signature, target.validator, limits);
  const { outputs, warnings } = await dataplane.infer(target, decoded.inputs, { ...decoded, ...options });
  const answer = encodeRecordsResponse(outputs, { modelName: target.name, modelVersion: target.label, warnings });
  return { body: answer, warnings, rows: answer.predictions.length };
}

/**
 * A request as it travels: when it arrived (the latency budget counts from there) and, once resolved, the version it
 * reached (for the log of a failure).
 */
export interface PredictContext {
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  /** The version the request reached; set by `predictV2` / `predictRecords`. */
  target?: ServedVersion | undefined;
}

/** An answer and who gave it: the model (fallback null) or a fallback of the chain. */
export interface Served<B> extends Answer<B> {
  /** The version that answered (or, for a `cache` or `rules` fallback, the one the request was for, if loaded). */
  readonly target: ServedVersion | undefined;
  /** The version the answer names (`model_version`, `x-model-version`). */
  readonly label: string;
  readonly fallback: FallbackAnswer | null;
}

/**
 * Resolves the version and answers a decoded v2 request (`body` is the JSON it was decoded from, for rules); when a
 * request routed by `production` cannot get the model's answer, the model's fallback chain answers (the answer then
 * carries `"fallback": "<kind>"`).
 */
export async function predictV2(
  dataplane: Dataplane,
  name: string,
  selector: string | undefined,
  request: InferRequest,
  body: unknown,
  ctx: PredictContext,
): Promise<Served<InferResponseBody>> {
  const production = selector === undefined;
  const wanted = request.outputs?.map((o) => o.name);
  try {
    const target = await resolved(dataplane, name, selector, ctx);
    const answer = await answerV2(dataplane, target, request, { startedAt: ctx.startedAt, production });
    return { ...answer, target, label: target.label, fallback: null };
  } catch (e) {
    if (!production) throw e;
    const fb = await dataplane.fallback(e, {
      model: name,
      primary: ctx.target,
      wanted,
      body,
      rows: rowsOf(request.inputs),
      inputsFor: () => request.inputs,
      rerun: (t) => dataplane.infer(t, request.inputs, { outputs: wanted }),
    });
    const label = String(fb.version);
    const answer = encodeInferResponse({ modelName: name, modelVersion: label, id: request.id, outputs: fb.outputs, warnings: fb.warnings });
    answer.fallback = fb.kind;
    return { body: answer, warnings: fb.warnings, rows: rowsOf(request.inputs), target: fb.target, label, fallback: fb };
  }
}

/** Like `predictV2`, for a records body (`{"instances": [...]}`). */
export async function predictRecords(
  dataplane: Dataplane,
  name: string,
  selector: string | undefined,
  body: unknown,
  limits: DecodeLimits,
  ctx: PredictContext,
): Promise<Served<RecordsResponseBody>> {
  const production = selector === undefined;
  try {
    const target = await resolved(dataplane, name, selector, ctx);
    const answer = await answerRecords(dataplane, target, body, limits, { startedAt: ctx.startedAt, production });
    return { ...answer, target, label: target.label, fallback: null };
  } catch (e) {
    if (!production) throw e;
    const decode = (t: ServedVersion) => decodeRecordsFor(body, t.meta.signature, t.validator, limits);
    const fb = await dataplane.fallback(e, {
      model: name,
      primary: ctx.target,
      wanted: undefined,
      body,
      rows: instanceCount(body),
      inputsFor: (t) => (t === undefined ? undefined : quietly(() => decode(t).inputs)),
      rerun: (t) => {
        const decoded = decode(t);
        return dataplane.infer(t, decoded.inputs, decoded);
      },
    });
    const label = String(fb.version);
    const answer = encodeRecordsResponse(fb.outputs, { modelName: name, modelVersion: label, warnings: fb.warnings });
    answer.fallback = fb.kind;
    return { body: answer, warnings: fb.warnings, rows: answer.predictions.length, target: fb.target, label, fallback: fb };
  }
}

async function resolved(dataplane: Dataplane, name: string, selector: string | undefined, ctx: PredictContext): Promise<ServedVersion> {
  const t = dataplane.target(name, selector);
  const target = t instanceof Promise ? await t : t;
  ctx.target = target;
  return target;
}

function rowsOf(inputs: readonly Tensor[]): number {
  const first = inputs[0]?.shape;
  return first && first.length > 0 ? first[0]! : 1;
}

function instanceCount(body: unknown): number {
  return quietly(() => recordsInstances(body).length) ?? 0;
}

function quietly<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
