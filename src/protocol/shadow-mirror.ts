import { MooringError } from '../core/errors.js';
import { JsonText } from '../core/monitoring/prediction-record.js';
import type { Dataplane } from '../services/dataplane.js';
import type { ServedVersion } from '../services/serving-pool.js';
import type { DecodeLimits } from './json-tensor.js';
import { answerRecords, answerV2 } from './predict.js';
import type { Answer, Served } from './predict.js';
import type { InferRequest } from './v2/infer-request.js';

/**
 * Shadow deployments on the request path: after a request routed by `production` has been answered (the answer is
 * already on its way), each shadow of the model's routing runs the same request on a sample of the traffic, and the
 * run is logged (route `shadow`, the request's id) for `mooring shadow report` to compare with the primary answer.
 *
 * A shadow can never change or delay the answer it mirrors: it starts on a later event-loop turn
 * (`setImmediate`), its failures are caught and logged, and it runs under its own version's guard (budget, breaker,
 * limits). A process keeps at most `MAX_SHADOWS_IN_FLIGHT` shadow runs at once; past that a mirror is dropped and
 * counted, so a shadow that hangs cannot pile up work or memory.
 */

/** Shadow runs one process keeps in flight at most; more are dropped (counted in `dropped`). */
export const MAX_SHADOWS_IN_FLIGHT = 64;

/** The request to mirror, as its protocol decoded it. */
export type MirroredRequest =
  | { readonly kind: 'v2'; readonly request: InferRequest }
  | { readonly kind: 'records'; readonly body: unknown; readonly limits: DecodeLimits };

/** What the status of a failed shadow run would have been, for its metric label (the HTTP layer's mapping). */
export type StatusOf = (err: MooringError) => number;

/** Mirrors answered requests to their model's shadows; one per server. */
export class ShadowMirror {
  #inFlight = 0;
  /** Mirrors dropped because `MAX_SHADOWS_IN_FLIGHT` runs were under way. */
  dropped = 0;

  constructor(
    private readonly dataplane: Dataplane,
    private readonly statusOf: StatusOf,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Schedules the shadow runs of an answered request: none unless a model answered it by `production` routing (the
   * production version or the canary), and only for the shadows the sample picks.
   */
  mirror(served: Served<unknown>, id: string, loggedRequest: unknown, request: MirroredRequest): void {
    const target = served.target;
    if (served.fallback !== null || target === undefined || (served.route !== 'production' && served.route !== 'canary')) return;
    const shadows = target.policy.routing.shadows;
    if (shadows.length === 0) return;
    for (const shadow of shadows) {
      if (shadow.version === target.version || this.random() >= shadow.sample) continue;
      const version = this.dataplane.loaded(target.name, shadow.version);
      if (version === undefined) continue; // still loading
      if (this.#inFlight >= MAX_SHADOWS_IN_FLIGHT) {
        this.dropped++;
        this.dataplane.shadowDropped(target.name);
        continue;
      }
      this.#inFlight++;
      setImmediate(() => {
        void this.#run(version, target.version, id, served.rows, loggedRequest, request).finally(() => this.#inFlight--);
      });
    }
  }

  async #run(shadow: ServedVersion, primaryVersion: number, id: string, rows: number, logged: unknown, request: MirroredRequest): Promise<void> {
    const started = performance.now();
    try {
      const answer: Answer<unknown> =
        request.kind === 'v2'
          ? await answerV2(this.dataplane, shadow, request.request, { startedAt: started })
          : await answerRecords(this.dataplane, shadow, request.body, request.limits, { startedAt: started });
      const response = new JsonText(JSON.stringify(answer.body));
      const latencyMs = performance.now() - started;
      this.dataplane.shadowed({ target: shadow, primaryVersion, id, rows, request: logged, response, latencyMs, code: null, status: 200 });
    } catch (e) {
      const err = e instanceof MooringError ? e : new MooringError('INTERNAL', 'shadow run failed', undefined, { cause: e });
      const latencyMs = performance.now() - started;
      this.dataplane.shadowed({ target: shadow, primaryVersion, id, rows, request: logged, response: null, latencyMs, code: err.code, status: this.statusOf(err) });
    }
  }
}
