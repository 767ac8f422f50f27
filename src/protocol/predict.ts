import type { Problem } from '../core/validation/problems.js';
import type { Tensor } from '../core/inference/tensor.js';
import type { Dataplane, InferOptions } from '../services/dataplane.js';
import type { FallbackAnswer, FallbackRequest } from '../services/resilience/fallback-chain.js';
import type { PredictionRoute } from '../core/monitoring/prediction-record.js';
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
 * A request as it travels: when it arrived (the latency budget counts from there), its sticky key, and, once
 * resolved, the version it reached (for the log of a failure).
 */
export interface PredictContext {
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  /** The `x-mooring-key` header, when sent: the canary split's sticky key. */
  readonly key?: string | null;
  /**
   * Told when the canary failed a request that production then answered, so the caller can log the canary's failure
   * (route `canary`, status error) without the client seeing it.
   */
  readonly onCanaryFailure?: (canary: ServedVersion, err: unknown) => void;
  /** The version the request reached; set by `predictV2` / `predictRecords`. */
  target?: ServedVersion | undefined;
}

/** An answer and who gave it: the model (fallback null) or a fallback of the chain. */
export interface Served<B> extends Answer<B> {
  /** The version that answered (or, for a `cache` or `rules` fallback, the one the request was for, if loaded). */
  readonly target: ServedVersion | undefined;
  /** The version the answer names (`model_version`, `x-model-version`). */
  readonly label: string;
  /** How the request reached the version that answered. */
  readonly route: PredictionRoute;
  /** Log markers of the answer (`canary_failed` when production answered after the canary failed). */
  readonly flags: readonly string[];
  readonly fallback: FallbackAnswer | null;
}

/** What the shared flow needs from a protocol (v2 or records). */
interface ProtocolFlow<B> {
  /** Answers the request on one version. */
  run(target: ServedVersion, options: Pick<InferOptions, 'startedAt' | 'production'>): Promise<Answer<B>>;
  /** The value of the routing's `keyField` in this request, if it has one. */
  field(name: string): string | null;
  /** The request as the fallback chain sees it. */
  fallbackRequest(name: string, primary: ServedVersion | undefined): FallbackRequest;
  /** A fallback's outputs as this protocol's answer. */
  encode(name: string, label: string, fb: FallbackAnswer): Answer<B>;
}

const NO_FLAGS: readonly string[] = [];
const CANARY_FAILED: readonly string[] = ['canary_failed'];

/**
 * Resolves the version and answers: the one the selector names, or for a request routed by `production`, the
 * canary when the routing's split sends it there (production answers when the canary fails), and when no model
 * can answer, the fallback chain.
 */
async function predict<B>(dataplane: Dataplane, name: string, selector: string | undefined, ctx: PredictContext, flow: ProtocolFlow<B>): Promise<Served<B>> {
  const production = selector === undefined;
  try {
    const target = await resolved(dataplane, name, selector, ctx);
    let flags = NO_FLAGS;
    if (production) {
      const canary = dataplane.canaryFor(target, () => ctx.key ?? keyField(target, flow));
      if (canary !== null) {
        try {
          const answer = await flow.run(canary, { startedAt: ctx.startedAt, production: false });
          return { ...answer, target: canary, label: canary.label, route: 'canary', flags: NO_FLAGS, fallback: null };
        } catch (e) {
          // The canary's failure is logged against it; the client gets production's answer.
          ctx.onCanaryFailure?.(canary, e);
          flags = CANARY_FAILED;
        }
      }
    }
    const answer = await flow.run(target, { startedAt: ctx.startedAt, production });
    return { ...answer, target, label: target.label, route: production ? 'production' : 'direct', flags, fallback: null };
  } catch (e) {
    if (!production) throw e;
    const fb = await dataplane.fallback(e, flow.fallbackRequest(name, ctx.target));
    const label = String(fb.version);
    return { ...flow.encode(name, label, fb), target: fb.target, label, route: 'production', flags: NO_FLAGS, fallback: fb };
  }
}

function keyField<B>(target: ServedVersion, flow: ProtocolFlow<B>): string | null {
  const field = target.policy.routing.keyField;
  return field === null ? null : flow.field(field);
}

/**
 * Answers a decoded v2 request (`body` is the JSON it was decoded from, for rules); see `predict` for routing and
 * fallbacks. A fallback's answer carries `"fallback": "<kind>"`.
 */
export function predictV2(
  dataplane: Dataplane,
  name: string,
  selector: string | undefined,
  request: InferRequest,
  body: unknown,
  ctx: PredictContext,
): Promise<Served<InferResponseBody>> {
  const wanted = request.outputs?.map((o) => o.name);
  return predict(dataplane, name, selector, ctx, {
    run: (target, options) => answerV2(dataplane, target, request, options),
    field: (f) => keyText(request.parameters?.[f]),
    fallbackRequest: (model, primary) => ({
      model,
      primary,
      wanted,
      body,
      rows: rowsOf(request.inputs),
      inputsFor: () => request.inputs,
      rerun: (t) => dataplane.infer(t, request.inputs, { outputs: wanted }),
    }),
    encode: (model, label, fb) => {
      const answer = encodeInferResponse({ modelName: model, modelVersion: label, id: request.id, outputs: fb.outputs, warnings: fb.warnings });
      answer.fallback = fb.kind;
      return { body: answer, warnings: fb.warnings, rows: rowsOf(request.inputs) };
    },
  });
}

/** Like `predictV2`, for a records body (`{"instances": [...]}`). */
export function predictRecords(
  dataplane: Dataplane,
  name: string,
  selector: string | undefined,
  body: unknown,
  limits: DecodeLimits,
  ctx: PredictContext,
): Promise<Served<RecordsResponseBody>> {
  const decode = (t: ServedVersion) => decodeRecordsFor(body, t.meta.signature, t.validator, limits);
  return predict(dataplane, name, selector, ctx, {
    run: (target, options) => answerRecords(dataplane, target, body, limits, options),
    field: (f) => keyText(quietly(() => firstInstanceField(body, f))),
    fallbackRequest: (model, primary) => ({
      model,
      primary,
      wanted: undefined,
      body,
      rows: instanceCount(body),
      inputsFor: (t) => (t === undefined ? undefined : quietly(() => decode(t).inputs)),
      rerun: (t) => {
        const decoded = decode(t);
        return dataplane.infer(t, decoded.inputs, decoded);
      },
    }),
    encode: (model, label, fb) => {
      const answer = encodeRecordsResponse(fb.outputs, { modelName: model, modelVersion: label, warnings: fb.warnings });
      answer.fallback = fb.kind;
      return { body: answer, warnings: fb.warnings, rows: answer.predictions.length };
    },
  });
}

async function resolved(dataplane: Dataplane, name: string, selector: string | undefined, ctx: PredictContext): Promise<ServedVersion> {
  const t = dataplane.target(name, selector);
  const target = t instanceof Promise ? await t : t;
  ctx.target = target;
  return target;
}

/** A sticky key read from a request field: strings and finite numbers (as their text); anything else is no key. */
function keyText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** A field of the first records instance (`{"instances": [{"user_id": ...}, ...]}`). */
function firstInstanceField(body: unknown, field: string): unknown {
  const first = recordsInstances(body)[0];
  if (typeof first !== 'object' || first === null || Array.isArray(first) || !Object.hasOwn(first, field)) return undefined;
  return (first as Record<string, unknown>)[field];
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
