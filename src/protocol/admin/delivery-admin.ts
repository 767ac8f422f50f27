import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { fail } from '../../core/errors.js';
import { PRODUCTION_ALIAS } from '../../core/registry/names.js';
import type { Actor } from '../../core/registry/types.js';
import { parseTimeOrAgo } from '../../core/time.js';
import type { Dataplane } from '../../services/dataplane.js';
import type { DeploymentService } from '../../services/deployment-service.js';
import type { PredictionServices } from '../../services/prediction-services.js';
import type { RegistryService } from '../../services/registry-service.js';
import { ReplayService } from '../../services/rollout/replay.js';
import type { ReplayRunner } from '../../services/rollout/replay.js';
import { ShadowReportService } from '../../services/rollout/shadow-report.js';
import type { DecodeLimits } from '../json-tensor.js';
import { predictRecords, predictV2 } from '../predict.js';
import { decodeInferRequest } from '../v2/infer-request.js';
import { comparisonReportDto } from './comparison-dto.js';
import type { ComparisonReportDto } from './comparison-dto.js';
import type { DeliveryAdminApi, ReplayInput, ShadowReportInput, ShadowStartOptions } from './delivery-admin-api.js';
import { deploymentChangeDto } from './deployment-dto.js';
import type { DeploymentChangeDto } from './deployment-dto.js';

/** What the in-process delivery admin works with (ServiceAdmin hands over its own services). */
export interface DeliveryAdminDeps {
  readonly registry: RegistryService;
  readonly deployments: DeploymentService;
  /** The inference path replay runs on (null: replay is NOT_IMPLEMENTED in this context). */
  readonly dataplane: Dataplane | null;
  /** The prediction log's read side (null: reports and replay are NOT_IMPLEMENTED in this context). */
  readonly predictions: PredictionServices | null;
  /** Decode limits for replayed bodies. */
  readonly limits: DecodeLimits;
}

/**
 * DeliveryAdminApi over the in-process services, acting as one actor. Shadow start and stop are deployment policy
 * changes through DeploymentService (a revision and an audit record, with a reason such as `shadow start: version 3
 * at 50%`); reports and replay read the prediction log and never write to it.
 */
export class ServiceDeliveryAdmin implements DeliveryAdminApi {
  readonly #d: DeliveryAdminDeps;
  readonly #by: Actor;

  constructor(deps: DeliveryAdminDeps, by: Actor) {
    this.#d = deps;
    this.#by = by;
  }

  async startShadow(name: string, version: number, options: ShadowStartOptions = {}): Promise<DeploymentChangeDto> {
    const { registry, deployments } = this.#d;
    const sample = options.sample ?? 1;
    if (typeof sample !== 'number' || !(sample > 0 && sample <= 1)) {
      throw fail('INVALID_REQUEST', `sample must be a share of requests, more than 0 and at most 1, got ${String(sample)}`, { field: 'sample' });
    }
    const model = await registry.model(name);
    await registry.version(name, version);
    if (model.aliases[PRODUCTION_ALIAS] === version) {
      throw fail('INVALID_REQUEST', `version ${version} of ${JSON.stringify(name)} is production: a shadow must be another version`, {
        field: 'version',
      });
    }
    const entry = { version, sample, since: Math.floor(this.#clock()) };
    const reason = `shadow start: version ${version} at ${percent(sample)}`;
    // Computed on the revision the write compares and sets, so concurrent starts and stops never undo each other.
    const change = await deployments.update(
      name,
      ({ routing: { shadows: current } }) => {
        const at = current.findIndex((s) => s.version === version);
        return { routing: { shadows: at < 0 ? [...current, entry] : current.map((s, i) => (i === at ? entry : s)) } };
      },
      { actor: this.#by.actor, reason },
    );
    return deploymentChangeDto(change);
  }

  async stopShadow(name: string, version?: number): Promise<DeploymentChangeDto> {
    const { registry, deployments } = this.#d;
    await registry.model(name);
    const reason = `shadow stop: ${version === undefined ? 'all' : `version ${version}`}`;
    const change = await deployments.update(
      name,
      ({ routing: { shadows: current } }) => ({ routing: { shadows: version === undefined ? [] : current.filter((s) => s.version !== version) } }),
      { actor: this.#by.actor, reason },
    );
    return deploymentChangeDto(change);
  }

  async shadowReport(name: string, query: ShadowReportInput = {}): Promise<ComparisonReportDto> {
    const p = this.#monitoring();
    const service = new ShadowReportService({ log: p.log, registry: this.#d.registry, deployments: this.#d.deployments, clock: p.clock });
    const now = Math.floor(p.clock());
    const report = await service.report({
      model: name,
      ...(query.version === undefined ? {} : { version: query.version }),
      ...(query.since === undefined ? {} : { since: parseTimeOrAgo(query.since, now, 'since') }),
      ...(query.until === undefined ? {} : { until: parseTimeOrAgo(query.until, now, 'until') }),
    });
    return comparisonReportDto(report);
  }

  async replay(name: string, version: number, options: ReplayInput = {}): Promise<ComparisonReportDto> {
    const p = this.#monitoring();
    const dataplane = this.#d.dataplane;
    if (dataplane === null) throw fail('NOT_IMPLEMENTED', 'this context has no dataplane to replay on');
    const service = new ReplayService({ log: p.log, registry: this.#d.registry, clock: p.clock, run: replayRunner(dataplane, this.#d.limits) });
    const now = Math.floor(p.clock());
    const report = await service.replay({
      model: name,
      version,
      ...(options.last === undefined ? {} : { last: options.last }),
      ...(options.since === undefined ? {} : { since: parseTimeOrAgo(options.since, now, 'since') }),
      ...(options.until === undefined ? {} : { until: parseTimeOrAgo(options.until, now, 'until') }),
    });
    return comparisonReportDto(report);
  }

  #monitoring(): PredictionServices {
    if (this.#d.predictions === null) throw fail('NOT_IMPLEMENTED', 'this context has no prediction log services');
    return this.#d.predictions;
  }

  #clock(): number {
    const clock: Clock = this.#d.predictions?.clock ?? systemClock;
    return clock();
  }
}

/**
 * Runs a logged body on a version the way the server's routes do (decode, then `predictV2` / `predictRecords` with
 * the version number as the selector), without their logging: the routes log after answering, these functions
 * never do.
 */
export function replayRunner(dataplane: Dataplane, limits: DecodeLimits): ReplayRunner {
  return async (model, version, body) => {
    const ctx = { startedAt: performance.now() };
    const selector = String(version);
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'instances')) {
      return (await predictRecords(dataplane, model, selector, body, limits, ctx)).body;
    }
    return (await predictV2(dataplane, model, selector, decodeInferRequest(body, limits), body, ctx)).body;
  };
}

/** 0.5 -> `50%`, 0.125 -> `12.5%`. */
function percent(sample: number): string {
  return `${Number((sample * 100).toFixed(4))}%`;
}
