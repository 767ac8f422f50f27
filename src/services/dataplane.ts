import type { Clock } from '../core/clock.js';
import { MooringError, fail } from '../core/errors.js';
import type { Tensor } from '../core/inference/tensor.js';
import type { ServedVersion, ServingPool } from './serving-pool.js';

/**
 * The dataplane owns the inference path: resolve the version, check the tensors against its signature, run the
 * model. The HTTP routes (v2 and records), the CLI's `predict` and later the async worker and batch scoring all call
 * this one implementation, so validation is the same everywhere.
 *
 * The path is kept straight: resolving production is one map read, the signature check was compiled when the version
 * was loaded, and nothing slow runs before the answer.
 */
export class Dataplane {
  constructor(
    private readonly pool: ServingPool,
    private readonly clock: Clock,
  ) {}

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
   * Runs one inference on a resolved version. Throws the signature check's 4xx codes for bad tensors and
   * INFERENCE_FAILED when the runtime fails. `outputs` filters and orders the outputs (all when omitted).
   */
  async infer(target: ServedVersion, inputs: readonly Tensor[], outputs?: readonly string[]): Promise<Tensor[]> {
    const ordered = target.check.inputs(inputs);
    const wanted = target.check.outputs(outputs);
    target.inflight++;
    try {
      return await target.model.infer(ordered, wanted);
    } catch (e) {
      if (e instanceof MooringError) throw e;
      throw fail('INFERENCE_FAILED', `model ${target.name} version ${target.version} failed: ${(e as Error).message}`);
    } finally {
      target.inflight--;
      target.lastUsed = this.clock();
    }
  }
}

function isVersionNumber(s: string): boolean {
  return /^\d{1,15}$/.test(s);
}
