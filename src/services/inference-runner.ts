import type { DeploymentPolicy } from '../core/deployment/policy.js';
import type { Tensor } from '../core/inference/tensor.js';
import { fail } from '../core/errors.js';
import { firstNonFinite } from '../core/inference/finite.js';
import { DynamicBatcher, batchable } from '../core/batching/index.js';
import { Coalescer } from '../core/cache/coalescer.js';
import { inferenceKey } from '../core/cache/inference-key.js';
import type { LoadedModel } from '../runtime/model-runtime.js';
import type { ModelVersion } from '../core/registry/types.js';
import type { ResponseCache } from '../storage/response-cache.js';
import type { VersionMetrics } from './metrics.js';
import type { VersionGuard } from './resilience/version-guard.js';

/**
 * How one served version turns checked inputs into outputs under its deployment's throughput settings:
 *
 *   response cache -> request coalescing -> guard (circuit breaker, load limits, deadline) -> adaptive batcher -> the model
 *
 * Each stage is there only when the policy turns it on (and, for batching, when the model can be batched). A cache
 * hit or a coalesced request never reaches the guard: it costs the model nothing, so it needs no turn and cannot
 * trip the breaker. An answer holding NaN or Infinity is a model failure inside the guard (NON_FINITE_OUTPUT). The key that
 * the cache and the coalescer share is computed once per request, from the decoded tensors (never the JSON), so
 * the order of fields in a request cannot matter. A runner belongs to one version and one policy: the serving
 * pool builds a new one when either changes and closes the old one (which runs what its batcher holds).
 */
export class InferenceRunner {
  readonly #model: LoadedModel;
  readonly #identity: { readonly name: string; readonly version: number; readonly digest: string };
  readonly #metrics: VersionMetrics | null;
  readonly #cache: ResponseCache | null;
  readonly #ttlMs: number;
  readonly #coalescer: Coalescer<Tensor[]> | null;
  readonly #batcher: DynamicBatcher | null;
  readonly #guard: VersionGuard | null;
  readonly #label: string;
  /** Output names in signature order, and their positions: a batch runs every output, a request picks its own. */
  readonly #outputIndex: ReadonlyMap<string, number>;
  /** Why batching is off although the policy asks for it (null when it runs, or was not asked for). */
  readonly batchingUnavailable: string | null;

  constructor(meta: ModelVersion, model: LoadedModel, policy: DeploymentPolicy, deps: InferenceRunnerDeps) {
    this.#model = model;
    this.#identity = { name: meta.name, version: meta.version, digest: meta.artifact.sha256 };
    this.#metrics = deps.metrics;
    this.#cache = policy.cache.enabled ? deps.cache : null;
    this.#ttlMs = policy.cache.ttlMs;
    this.#coalescer = policy.coalescing.enabled ? new Coalescer<Tensor[]>() : null;
    this.#outputIndex = new Map(model.signature.outputs.map((o, i) => [o.name, i]));
    this.#guard = deps.guard ?? null;
    this.#label = `${meta.name} version ${meta.version}`;
    let unavailable: string | null = null;
    let batcher: DynamicBatcher | null = null;
    if (policy.batching.enabled) {
      const can = batchable(model.signature);
      if (can.ok) {
        batcher = new DynamicBatcher((inputs) => this.#timed(inputs, undefined), {
          maxBatchSize: policy.batching.maxBatchSize,
          maxQueueDelayMicros: policy.batching.maxQueueDelayMicros,
          onBatch: (rows) => this.#metrics?.batch(rows),
          onUnsplittable: (reason) => deps.onBatchingProblem?.(`${reason}; requests run one by one`),
        });
      } else {
        unavailable = can.reason;
        deps.onBatchingProblem?.(can.reason);
      }
    }
    this.#batcher = batcher;
    this.batchingUnavailable = unavailable;
  }

  /**
   * The outputs for inputs already checked and ordered by the signature; `wanted` names the outputs in the order
   * to return (all when undefined). Answers may be shared with other requests (a cache hit, a coalesced request):
   * callers read them and never change them. `deadline` is the request's `performance.now()` deadline (Infinity:
   * none); the guard enforces it.
   */
  run(inputs: readonly Tensor[], wanted: readonly string[] | undefined, deadline = Infinity): Promise<Tensor[]> {
    if (this.#cache === null && this.#coalescer === null) return this.#guarded(inputs, wanted, deadline);
    const key = inferenceKey(this.#identity, inputs, wanted);
    const cache = this.#cache;
    if (cache !== null) {
      const found = cache.get(key);
      if (found instanceof Promise) {
        return found.then((hit) => (hit === undefined ? this.#miss(key, inputs, wanted, deadline) : this.#hit(hit)));
      }
      if (found !== undefined) return this.#hit(found);
    }
    return this.#miss(key, inputs, wanted, deadline);
  }

  /** Requests waiting in the batcher for their batch to run (0 without batching). */
  get queued(): number {
    return this.#batcher?.counters.queued ?? 0;
  }

  /** Runs what the batcher holds and stops it; requests still arriving go straight to the model. */
  async close(): Promise<void> {
    await this.#batcher?.close();
  }

  #hit(outputs: Tensor[]): Promise<Tensor[]> {
    this.#metrics?.cache(true);
    return Promise.resolve(outputs);
  }

  #miss(key: string, inputs: readonly Tensor[], wanted: readonly string[] | undefined, deadline: number): Promise<Tensor[]> {
    if (this.#cache !== null) this.#metrics?.cache(false);
    const coalescer = this.#coalescer;
    if (coalescer === null) return this.#computeAndKeep(key, inputs, wanted, deadline);
    let ran = false;
    // Requests joining a run share its deadline (the first request's).
    const shared = coalescer.run(key, () => {
      ran = true;
      return this.#computeAndKeep(key, inputs, wanted, deadline);
    });
    if (!ran) this.#metrics?.coalesced();
    return shared;
  }

  async #computeAndKeep(key: string, inputs: readonly Tensor[], wanted: readonly string[] | undefined, deadline: number): Promise<Tensor[]> {
    const outputs = await this.#guarded(inputs, wanted, deadline);
    if (this.#cache !== null) {
      // A cache that cannot store (Redis down) never fails the request: the backends count and swallow it.
      void this.#cache.set(key, outputs, this.#ttlMs);
    }
    return outputs;
  }

  #guarded(inputs: readonly Tensor[], wanted: readonly string[] | undefined, deadline: number): Promise<Tensor[]> {
    const guard = this.#guard;
    if (guard === null) return this.#compute(inputs, wanted).then(this.#finite);
    return guard.run(deadline, () => this.#compute(inputs, wanted).then(this.#finite));
  }

  /** Refuses an answer holding NaN or ±Infinity: the model failed, whatever it returned. */
  readonly #finite = (outputs: Tensor[]): Tensor[] => {
    const bad = firstNonFinite(outputs);
    if (bad === null) return outputs;
    throw fail('NON_FINITE_OUTPUT', `${this.#label} answered a non-finite value (NaN or Infinity) in output ${JSON.stringify(bad.output)}`, {
      output: bad.output,
    });
  };

  #compute(inputs: readonly Tensor[], wanted: readonly string[] | undefined): Promise<Tensor[]> {
    if (this.#batcher === null || this.#batcher.closed) return this.#timed(inputs, wanted);
    return this.#batcher.submit(inputs).then((all) => this.#pick(all, wanted));
  }

  /** One model run, its time observed as `mooring_inference_duration_seconds` (per request, or per batch). */
  async #timed(inputs: readonly Tensor[], wanted: readonly string[] | undefined): Promise<Tensor[]> {
    const started = performance.now();
    const outputs = await this.#model.infer(inputs, wanted);
    this.#metrics?.inference((performance.now() - started) / 1000);
    return outputs;
  }

  /** The wanted outputs of a batch's answer (which holds every output in signature order). */
  #pick(all: Tensor[], wanted: readonly string[] | undefined): Tensor[] {
    if (wanted === undefined) return all;
    return wanted.map((name) => all[this.#outputIndex.get(name)!]!);
  }
}

/** What a runner needs besides its version and policy. */
export interface InferenceRunnerDeps {
  /** The server's response cache (used only when the policy turns the cache on). */
  readonly cache: ResponseCache | null;
  /** The version's metric handles, or null when metrics are off. */
  readonly metrics: VersionMetrics | null;
  /** Load limits, circuit breaker and deadline around the model's runs (null: none). */
  readonly guard?: VersionGuard | null;
  /** Told why batching cannot run on this version although the policy asks for it. */
  readonly onBatchingProblem?: (reason: string) => void;
}
