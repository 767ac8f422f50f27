import type { RolloutAdminApi, RolloutStartInput } from '../protocol/admin/rollout-admin-api.js';
import type { RolloutStartBody, RolloutStatusDto } from '../protocol/admin/rollout-dto.js';
import type { JsonCall } from './http-alerts-client.js';

/** RolloutAdminApi over a running server's `/api/models/{name}/rollout` routes; HttpAdminClient delegates to it. */
export class HttpRolloutClient implements RolloutAdminApi {
  readonly #json: JsonCall;

  constructor(json: JsonCall) {
    this.#json = json;
  }

  startRollout(name: string, input: RolloutStartInput, reason?: string): Promise<RolloutStatusDto> {
    const body: RolloutStartBody = {
      version: input.version,
      steps: [...input.steps],
      interval_ms: input.intervalMs,
      ...defined({
        max_error_rate: input.maxErrorRate,
        max_latency_ratio: input.maxLatencyRatio,
        max_drift: input.maxDrift,
        max_accuracy_drop: input.maxAccuracyDrop,
        min_requests: input.minRequests,
        max_failed_checks: input.maxFailedChecks,
        weighted_rollback: input.weightedRollback,
        reason,
      }),
    };
    return this.#json('POST', path(name), body);
  }

  rolloutStatus(name: string): Promise<RolloutStatusDto> {
    return this.#json('GET', path(name));
  }

  pauseRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.#json('POST', `${path(name)}/pause`, defined({ reason }));
  }

  resumeRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.#json('POST', `${path(name)}/resume`, defined({ reason }));
  }

  promoteRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.#json('POST', `${path(name)}/promote`, defined({ reason }));
  }

  abortRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.#json('POST', `${path(name)}/abort`, defined({ reason }));
  }
}

function path(name: string): string {
  return `/api/models/${encodeURIComponent(name)}/rollout`;
}

/** The entries of `o` whose value is not undefined (JSON leaves them out anyway; this keeps the body exact). */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
