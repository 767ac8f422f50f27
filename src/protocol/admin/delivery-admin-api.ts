import type { ComparisonReportDto } from './comparison-dto.js';
import type { DeploymentChangeDto } from './deployment-dto.js';

/**
 * The progressive-delivery part of the AdminApi that watches a candidate without risk: shadow deployments (start,
 * stop, report) and replay of logged requests. Two implementations, like the rest of the AdminApi: in-process
 * (`ServiceDeliveryAdmin`) and over HTTP (`HttpDeliveryClient`). Errors are the registry's MooringErrors in both.
 * Times are given as at the edges: ISO-8601, epoch ms, or a duration meaning "that long ago" (`1h`).
 */
export interface DeliveryAdminApi {
  /**
   * Mirrors a share (`sample`, 0 < sample <= 1, default 1) of production-routed requests to `version` after they are
   * answered: adds the version to the routing's shadows, or replaces its entry, with `since` = now. A policy change
   * (a new revision, audited). VERSION_NOT_FOUND; INVALID_REQUEST for the production version itself, a bad sample,
   * or a fifth shadow.
   */
  startShadow(name: string, version: number, options?: ShadowStartOptions): Promise<DeploymentChangeDto>;
  /** Stops one shadow (`version`) or all of them; `changed: false` when there was nothing to stop. */
  stopShadow(name: string, version?: number): Promise<DeploymentChangeDto>;
  /**
   * Compares a shadow's logged runs with the primary answers of the same requests. Without a version: the model's
   * one shadow (INVALID_REQUEST when it has none or several); without `since`: since the shadow started.
   */
  shadowReport(name: string, query?: ShadowReportInput): Promise<ComparisonReportDto>;
  /**
   * Runs `version` in-process on logged production requests (the newest `last`, default 100, at most 10,000; or
   * those since a time, the newest 10,000) and compares its answers with production's. Writes nothing to the log.
   */
  replay(name: string, version: number, options?: ReplayInput): Promise<ComparisonReportDto>;
}

/** How `startShadow` mirrors. */
export interface ShadowStartOptions {
  /** Share of requests mirrored, 0 < sample <= 1 (default 1). */
  sample?: number;
}

/** Which shadow runs `shadowReport` compares. */
export interface ShadowReportInput {
  version?: number;
  /** Default: when the shadow started. */
  since?: string;
  /** Default: now. */
  until?: string;
}

/** Which logged requests `replay` runs: `last` or `since`, not both (default: the last 100). */
export interface ReplayInput {
  last?: number;
  since?: string;
  until?: string;
}
