import type { Clock } from '../core/clock.js';
import { splitSalt, toCanary } from '../core/rollout/sticky-split.js';
import { MooringError, fail } from '../core/errors.js';
import type { Tensor } from '../core/inference/tensor.js';
import type { Problem, ProblemReport } from '../core/validation/problems.js';
import type { PredictionRoute } from '../core/monitoring/prediction-record.js';
import type { Metrics, VersionMetrics } from './metrics.js';
import type { PredictionLogger } from './prediction-logger.js';
import type { ServedVersion, ServingPool } from './serving-pool.js';
import type { FallbackAnswer, FallbackChain, FallbackRequest } from './resilience/fallback-chain.js';
import type { LastGoodCache } from './resilience/last-good-cache.js';

/**
 * The dataplane owns the inference path: resolve the version, check the tensors against its signature and its
 * validator (limits, named features, training profile, under the deployment's policy), run the model. The HTTP
 * routes (v2 and records), the CLI's `predict` and later the async worker and batch scoring all call this one
 * implementation, so validation is the same everywhere.
 *
 * The path is kept straight: resolving production is one map read, the signature check and the validator were
 * compiled when the version was loaded, and nothing slow runs before the answer.
 */

/** A prediction: the model's outputs and the anomalies to serve them with (null when the input was clean). */
export interface Prediction {
  readonly outputs: Tensor[];
  readonly warnings: readonly Problem[] | null;
}

/** One answered prediction as the caller saw it, for the prediction log. */
export interface AnsweredPrediction {
  readonly target: ServedVersion;
  /** The request id (`x-request-id`). */
  readonly id: string;
  readonly route: PredictionRoute;
  readonly rows: number;
  /** The request body as received: its text as a JsonText (the HTTP routes), or a plain JSON value. */
  readonly request: unknown;
  /** The response body as sent: its text as a JsonText (the HTTP routes), or a plain JSON value. */
  readonly response: unknown;
  readonly latencyMs: number;
  readonly warnings: readonly Problem[] | null;
  /** Extra log markers (e.g. `canary_failed`). */
  readonly flags?: readonly string[];
}

/** A request that failed, as the caller saw it. */
export interface FailedPrediction {
  readonly model: string;
  /** The version it reached, if it got that far. */
  readonly target: ServedVersion | undefined;
  readonly id: string;
  readonly route: PredictionRoute;
  readonly request: unknown;
  readonly status: number;
  readonly code: string;
  readonly latencyMs: number;
}

/** One shadow run of a request, after its answer was sent. */
export interface ShadowRun {
  readonly target: ServedVersion;
  /** The version whose answer the client got. */
  readonly primaryVersion: number;
  readonly id: string;
  readonly rows: number;
  readonly request: unknown;
  /** The shadow's answer, encoded like the primary's (null when it failed). */
  readonly response: unknown;
  /** The shadow's own time, in milliseconds. */
  readonly latencyMs: number;
  /** The error code when it failed, else null. */
  readonly code: string | null;
  /** The HTTP status the failure would have had (metrics label), 200 when it answered. */
  readonly status: number;
}

/** A request answered by a fallback, as the caller saw it. */
export interface FallbackPrediction {
  readonly model: string;
  readonly id: string;
  readonly rows: number;
  readonly request: unknown;
  readonly response: unknown;
  readonly latencyMs: number;
  readonly fallback: FallbackAnswer;
}

/** The flag of a fallback answer given because the model failed (not because validation handed it over). */
export const MODEL_ERROR_FLAG = 'model_error';

/** The flag a prediction served with anomalies carries in the log. */
export const OUT_OF_DISTRIBUTION_FLAG = 'out_of_distribution';

const NO_FLAGS: readonly string[] = [];
const OOD_FLAGS: readonly string[] = [OUT_OF_DISTRIBUTION_FLAG];

/** What `infer` takes besides the inputs. */
export interface InferOptions {
  /** Output names to return, in order (all when omitted). */
  readonly outputs?: readonly string[] | undefined;
  /** Problems already found while decoding (named-feature records). */
  readonly report?: ProblemReport | null;
  /** Whether the server packed the feature input itself (its values are then already checked). */
  readonly packed?: boolean;
  /**
   * When the request arrived, as `performance.now()`: the deployment's latency budget counts from here (default:
   * now).
   */
  readonly startedAt?: number;
  /** Whether `production` routed the request: its good answers are kept for the `cache` fallback. */
  readonly production?: boolean;
}

/** The dataplane's optional collaborators. */
export interface DataplaneResilience {
  /** The fallback chain (null: failures are answered as errors). */
  readonly fallbacks: FallbackChain | null;
  /** Where good answers are kept for the `cache` fallback (null: not kept). */
  readonly lastGood: LastGoodCache | null;
}

export class Dataplane {
  private readonly fallbacks: FallbackChain | null;
  private readonly lastGood: LastGoodCache | null;

  constructor(
    private readonly pool: ServingPool,
    private readonly clock: Clock,
    private readonly metrics: Metrics | null = null,
    private readonly predictions: PredictionLogger | null = null,
    resilience: DataplaneResilience = { fallbacks: null, lastGood: null },
  ) {
    this.fallbacks = resilience.fallbacks;
    this.lastGood = resilience.lastGood;
  }

  /**
   * Answers a request routed by `production` whose primary answer failed with `err`, by the model's fallback chain;
   * throws the error to answer with when nothing can (see FallbackChain.answer).
   */
  fallback(err: unknown, req: FallbackRequest): Promise<FallbackAnswer> {
    if (this.fallbacks === null) return Promise.reject(err);
    return this.fallbacks.answer(err, req);
  }

  /**
   * Counts and logs an answer a fallback gave, under the version the request was for (the one that failed): route
   * `fallback`, flags `fallback:<kind>`, `cause:<reason>`, `answered_by:<version>` when another version answered,
   * and `model_error` unless validation handed the request over, so the failing version's error rate counts it. Its
   * outputs are not observed as model scores, and drift and accuracy leave route `fallback` out.
   */
  answeredByFallback(p: FallbackPrediction): void {
    const fb = p.fallback;
    const version = fb.requested ?? fb.version;
    const vm = fb.target !== undefined && fb.target.version === version ? this.metricsOf(fb.target) : this.metrics?.forVersion(p.model, String(version));
    vm?.ok('fallback', p.latencyMs / 1000);
    if (this.predictions === null) return;
    const flags = [`fallback:${fb.kind}`, `cause:${fb.reason}`];
    if (fb.version !== version) flags.push(`answered_by:${fb.version}`);
    if (fb.reason !== 'validation') flags.push(MODEL_ERROR_FLAG);
    if (fb.warnings) flags.push(OUT_OF_DISTRIBUTION_FLAG);
    this.log(p.model, version, 'fallback', p, p.response, null, flags);
  }

  /**
   * Counts an answered prediction and hands it to the prediction log (a buffer push: the write happens later, in a
   * batch). Request and response arrive as the texts that were received and sent (or plain JSON values), so
   * nothing is serialized here or later.
   */
  answered(p: AnsweredPrediction): void {
    this.metricsOf(p.target)?.ok(p.route, p.latencyMs / 1000);
    if (this.predictions === null) return;
    this.log(p.target.name, p.target.version, p.route, p, p.response, null, flagsOf(p));
  }

  /**
   * Counts and logs a shadow's run of a request (route `shadow`, the request's id, flag `shadow_of:<version>`): its
   * answer (`response`, encoded like the primary's) or its error code. The client never sees it.
   */
  shadowed(s: ShadowRun): void {
    const flags = [`shadow_of:${s.primaryVersion}`];
    if (s.code === null) this.metricsOf(s.target)?.ok('shadow', s.latencyMs / 1000);
    else this.metrics?.failed(s.target.name, s.target.label, 'shadow', s.status);
    if (this.predictions === null) return;
    this.log(s.target.name, s.target.version, 'shadow', s, s.code === null ? s.response : null, s.code, flags);
  }

  /**
   * Counts a failed request and, when it reached a version, logs it with its error code (so error rates can be
   * computed from the log). `status` is the HTTP status the caller answered with.
   */
  failed(f: FailedPrediction): void {
    // A name the registry does not know is counted as '' so clients cannot mint series with made-up names.
    const model = f.target?.name ?? (this.pool.knows(f.model) ? f.model : '');
    this.metrics?.failed(model, f.target?.label ?? '', f.route, f.status);
    if (this.predictions === null || f.target === undefined) return;
    this.log(f.target.name, f.target.version, f.route, { id: f.id, rows: 0, request: f.request, latencyMs: f.latencyMs }, null, f.code, NO_FLAGS);
  }

  /** Hands one record to the prediction log's buffer; `error` null means answered (status ok). */
  private log(
    model: string,
    version: number,
    route: PredictionRoute,
    p: { readonly id: string; readonly rows: number; readonly request: unknown; readonly latencyMs: number },
    outputs: unknown,
    error: string | null,
    flags: readonly string[],
  ): void {
    this.predictions?.record({
      id: p.id,
      at: this.clock(),
      model,
      version,
      route,
      rows: p.rows,
      inputs: p.request,
      outputs,
      latencyMs: p.latencyMs,
      status: error === null ? 'ok' : 'error',
      error,
      flags,
    });
  }

  private metricsOf(target: ServedVersion): VersionMetrics | null {
    if (this.metrics === null) return null;
    return (target.metrics ??= this.metrics.forVersion(target.name, target.label));
  }

  /** Counts a shadow run not started because too many were in flight. */
  shadowDropped(model: string): void {
    this.metrics?.shadowDropped.labels(model).inc();
  }

  /** A version of `model` that is loaded now, without I/O (shadows run only on loaded versions). */
  loaded(model: string, version: number): ServedVersion | undefined {
    return this.pool.lookup(model, version);
  }

  /**
   * The canary that answers a request `production` routed, or null: when the model's routing has a canary with a
   * weight, loaded, and the split (`key()`: the sticky key, read only when a canary is in play) picks it.
   */
  canaryFor(production: ServedVersion, key: () => string | null): ServedVersion | null {
    const canary = production.policy.routing.canary;
    if (canary === null || canary.weight <= 0 || canary.version === production.version) return null;
    const served = this.pool.lookup(production.name, canary.version);
    if (served === undefined) return null; // still loading: production answers meanwhile
    return toCanary(canary.weight, key(), splitSalt(production.name, canary.version)) ? served : null;
  }

  /**
   * The version that answers for `model` and an optional version selector (a number, `latest`, an alias);
   * synchronous when it is already loaded, so the common case costs no promise.
   */
  target(model: string, selector?: string): ServedVersion | Promise<ServedVersion> {
    if (selector === undefined) {
      const p = this.pool.productionOf(model);
      if (p) return p;
    } else if (isVersionNumber(selector)) {
      const v = this.pool.lookup(model, Number(selector));
      if (v) return v;
    }
    return this.pool.acquire(model, selector);
  }

  /**
   * Runs one inference on a resolved version. Throws the signature check's 4xx codes for bad tensors,
   * LIMIT_EXCEEDED and VALIDATION_FAILED from the validator, and INFERENCE_FAILED when the runtime fails.
   */
  async infer(target: ServedVersion, inputs: readonly Tensor[], options: InferOptions = {}): Promise<Prediction> {
    const ordered = target.check.inputs(inputs);
    const wanted = target.check.outputs(options.outputs);
    const report = target.validator.checkTensors(ordered, options.report ?? null, options.packed === true);
    const warnings = report === null ? null : this.judge(target, report);
    const budget = target.guard.budgetMs;
    const deadline = budget > 0 ? (options.startedAt ?? performance.now()) + budget : Infinity;
    target.inflight++;
    try {
      // The runner times the model itself (per request or per batch); a cache hit runs no model.
      const outputs = await target.runner.run(ordered, wanted, deadline);
      const vm = this.metricsOf(target);
      if (vm !== null) observeScores(outputs, vm);
      const policy = target.policy;
      if (options.production === true && this.lastGood !== null && policy.fallback.chain.includes('cache')) {
        this.lastGood.keep(target.name, ordered, wanted, outputs, policy.fallback.cacheTtlMs);
      }
      return { outputs, warnings };
    } catch (e) {
      if (e instanceof MooringError) throw e;
      throw fail('INFERENCE_FAILED', `model ${target.name} version ${target.version} failed: ${(e as Error).message}`);
    } finally {
      target.inflight--;
      target.lastUsed = this.clock();
    }
  }

  /** Applies the policy to a request's problems, counting what was done. */
  private judge(target: ServedVersion, report: ProblemReport): readonly Problem[] | null {
    let warnings: readonly Problem[] | null;
    try {
      warnings = target.validator.decide(report);
    } catch (e) {
      this.metrics?.validation(target.name, target.label, report, 'rejected');
      throw e;
    }
    this.metrics?.validation(target.name, target.label, report, warnings ? 'flagged' : 'ignored');
    return warnings;
  }
}

/** The log markers of an answer: its own (canary_failed), then out_of_distribution when it was served with warnings. */
function flagsOf(p: AnsweredPrediction): readonly string[] {
  if (p.flags === undefined || p.flags.length === 0) return p.warnings ? OOD_FLAGS : NO_FLAGS;
  return p.warnings ? [...p.flags, OUT_OF_DISTRIBUTION_FLAG] : p.flags;
}

function isVersionNumber(s: string): boolean {
  return /^\d{1,15}$/.test(s);
}

/** Observes each row's first value of the first floating-point output (a probability or score). */
function observeScores(outputs: readonly Tensor[], vm: VersionMetrics): void {
  for (const t of outputs) {
    if (t.datatype !== 'FP32' && t.datatype !== 'FP64') continue;
    const rows = t.shape.length === 0 ? 1 : t.shape[0]!;
    if (rows === 0) return;
    const stride = t.data.length / rows;
    const data = t.data as Float32Array;
    for (let r = 0; r < rows; r++) {
      const v = data[r * stride]!;
      if (v - v === 0) vm.score(v); // NaN and ±Infinity are the encoder's to refuse, not a score
    }
    return;
  }
}
