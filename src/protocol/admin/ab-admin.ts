import { fail } from '../../core/errors.js';
import type { Actor } from '../../core/registry/types.js';
import type { ExperimentMetric } from '../../core/rollout/ab-outcomes.js';
import { parseTimeOrAgo } from '../../core/time.js';
import type { DeploymentService } from '../../services/deployment-service.js';
import type { PredictionServices } from '../../services/prediction-services.js';
import type { RegistryService } from '../../services/registry-service.js';
import { AbTestService } from '../../services/rollout/ab-test.js';
import type { AbArm, AbChange, AbReport } from '../../services/rollout/ab-test.js';
import type { AbAdminApi, AbArmDto, AbChangeDto, AbReportDto, AbReportInput, AbStartInput } from './ab-admin-api.js';
import { iso } from './dto.js';

/** What the in-process A/B admin works with (ServiceAdmin hands over its own services). */
export interface AbAdminDeps {
  readonly registry: RegistryService;
  readonly deployments: DeploymentService;
  /** The prediction log's read side (null: A/B tests are NOT_IMPLEMENTED in this context). */
  readonly predictions: PredictionServices | null;
}

/**
 * AbAdminApi over the in-process AbTestService, acting as one actor: start and stop are deployment policy changes
 * (a revision and an audit record each); the report reads the prediction log and writes nothing.
 */
export class ServiceAbAdmin implements AbAdminApi {
  readonly #d: AbAdminDeps;
  readonly #by: Actor;

  constructor(deps: AbAdminDeps, by: Actor) {
    this.#d = deps;
    this.#by = by;
  }

  async startAb(name: string, version: number, options: AbStartInput): Promise<AbChangeDto> {
    const by = options.reason === undefined ? this.#by : { actor: this.#by.actor, reason: options.reason };
    // The service refuses a metric it cannot test, naming the ones it can; the cast is what it checks.
    const metric = options.metric as ExperimentMetric;
    return abChangeDto(await this.#service().start(name, version, { metric, ...(options.weight === undefined ? {} : { weight: options.weight }) }, by));
  }

  async stopAb(name: string): Promise<AbChangeDto> {
    return abChangeDto(await this.#service().stop(name, this.#by));
  }

  async abReport(name: string, query: AbReportInput = {}): Promise<AbReportDto> {
    const service = this.#service();
    const since = query.since === undefined ? undefined : parseTimeOrAgo(query.since, Math.floor(this.#d.predictions!.clock()), 'since');
    return abReportDto(await service.report(name, since === undefined ? {} : { since }));
  }

  #service(): AbTestService {
    const p = this.#d.predictions;
    if (p === null) throw fail('NOT_IMPLEMENTED', 'this context has no prediction log services');
    return new AbTestService({ deployments: this.#d.deployments, registry: this.#d.registry, log: p.log, clock: p.clock });
  }
}

/** Maps a start or stop to its DTO. */
export function abChangeDto(c: AbChange): AbChangeDto {
  const e = c.experiment;
  return {
    model: c.model,
    changed: c.change.changed,
    revision: c.change.deployment.revision,
    experiment: e === null ? null : { version: e.version, production_version: e.productionVersion, weight: e.weight, metric: e.metric, since: iso(e.since) },
  };
}

function armDto(a: AbArm): AbArmDto {
  return { version: a.version, route: a.route, requests: a.requests, errors: a.errors, labelled: a.labelled, rows: a.rows, value: a.value };
}

/** Maps a report to its DTO. */
export function abReportDto(r: AbReport): AbReportDto {
  const t = r.test;
  return {
    model: r.model,
    metric: r.metric,
    weight: r.weight,
    running: r.running,
    started_at: iso(r.startedAt),
    since: iso(r.since),
    until: iso(r.until),
    task: r.task,
    positive_class: r.positiveClass,
    a: armDto(r.a),
    b: armDto(r.b),
    test:
      t === null
        ? null
        : {
            metric: t.metric,
            test: t.test,
            difference_of: t.differenceOf,
            a: { ...t.a },
            b: { ...t.b },
            difference: t.difference,
            ci95: [t.ci95[0], t.ci95[1]],
            p_value: t.pValue,
            significant: t.significant,
            statistic: t.statistic,
            df: t.df,
          },
    reason: r.reason,
    truncated: r.truncated,
  };
}
