import type { Clock } from '../../core/clock.js';
import type { DeploymentPolicy, DeploymentRevision } from '../../core/deployment/policy.js';
import { fail } from '../../core/errors.js';
import type { AccuracyTask, LabelledRow } from '../../core/monitoring/accuracy.js';
import { evaluate, labelledRows, planEvaluation } from '../../core/monitoring/accuracy.js';
import { PRODUCTION_ALIAS } from '../../core/registry/names.js';
import type { Actor } from '../../core/registry/types.js';
import { TESTABLE_METRICS, armOutcomes, compareArms, differenceOf, outcomeCount } from '../../core/rollout/ab-outcomes.js';
import type { ExperimentMetric } from '../../core/rollout/ab-outcomes.js';
import type { SignificanceTest } from '../../core/rollout/significance.js';
import type { PredictionFilter, PredictionLog } from '../../storage/prediction-log.js';
import type { DeploymentChange, DeploymentService } from '../deployment-service.js';
import type { RegistryService } from '../registry-service.js';

/**
 * A/B tests: a fixed split of production-routed traffic between the production version (arm A) and another version
 * (arm B, the canary of the routing policy), compared on a labelled metric with a significance test.
 *
 * Starting and stopping are deployment policy changes through DeploymentService (`routing.canary` and
 * `routing.experiment`, one revision and one audit record each); the request path does the sticky split. A test is
 * refused while a canary rollout is progressing or paused (ROLLOUT_CONFLICT: both would own the canary), while
 * another A/B test or a canary set by hand holds the canary, and for the production version itself
 * (EXPERIMENT_CONFLICT). The checks run on the very revision the write is a compare-and-set on.
 *
 * The report reads the prediction log of the test's window: arm A is route `production` of the version production
 * held when the test started, without the requests the canary failed and production then answered (flag
 * `canary_failed`: the split sent them to B, so they belong to neither arm's outcomes; B's failure counts among B's
 * errors); arm B is route `canary` of the test's version. Labelled predictions are read and turned into rows as the
 * accuracy report does, judged by one evaluation plan over both arms, and compared per core/rollout/ab-outcomes.ts:
 * the two-proportion z test for accuracy, precision and recall, Welch's t test for mae (absolute errors) and rmse
 * (squared errors). A finished test can still be reported: the latest revision that held an experiment names it, and
 * the revision that ended it ends its window.
 */

/** How a test starts. */
export interface AbStartOptions {
  readonly metric: ExperimentMetric;
  /** Percent of production-routed requests version B answers (0 < weight < 100; default 50). */
  readonly weight?: number;
}

/** A running or finished test. */
export interface AbExperiment {
  /** Arm B's version. */
  readonly version: number;
  /** Arm A's version: the production version when the test started (null when the alias history has none). */
  readonly productionVersion: number | null;
  readonly weight: number;
  readonly metric: ExperimentMetric;
  /** When the test started (epoch ms). */
  readonly since: number;
}

/** What `start` and `stop` answer. */
export interface AbChange {
  readonly model: string;
  /** The policy revision now in force, and whether the call wrote it. */
  readonly change: DeploymentChange;
  /** The test now running (null after a stop). */
  readonly experiment: AbExperiment | null;
}

/** One arm of a report. */
export interface AbArm {
  readonly version: number;
  readonly route: 'production' | 'canary';
  /** Requests of the arm in the window, answered or failed. */
  readonly requests: number;
  readonly errors: number;
  /** Labelled predictions of the arm read (answered requests with a label). */
  readonly labelled: number;
  /** Rows those predictions scored (a request of several rows counts each). */
  readonly rows: number;
  /** The metric over those rows, as the accuracy report computes it; null when it does not apply. */
  readonly value: number | null;
}

/** One side of a test result: its version, the rows counted, and the tested value (MSE for rmse). */
export interface AbTestSide {
  readonly version: number;
  readonly n: number;
  readonly value: number;
}

/** The significance test of a report: B minus A, two-sided, at 5%. */
export interface AbTestResult {
  readonly metric: ExperimentMetric;
  readonly test: SignificanceTest;
  /** What `difference`, `ci95` and the sides' values are of: the metric, or `mse` for rmse. */
  readonly differenceOf: ExperimentMetric | 'mse';
  readonly a: AbTestSide;
  readonly b: AbTestSide;
  readonly difference: number;
  readonly ci95: readonly [number, number];
  readonly pValue: number;
  readonly significant: boolean;
  readonly statistic: number | null;
  readonly df: number | null;
}

/** What `report` answers. */
export interface AbReport {
  readonly model: string;
  readonly metric: ExperimentMetric;
  readonly weight: number;
  /** Whether the test is still running (else the report covers it up to when it stopped). */
  readonly running: boolean;
  readonly startedAt: number;
  /** The window read: [since, until). */
  readonly since: number;
  readonly until: number;
  readonly task: AccuracyTask | null;
  readonly positiveClass: string | null;
  readonly a: AbArm;
  readonly b: AbArm;
  /** Null when there is not enough to test, with the reason. */
  readonly test: AbTestResult | null;
  readonly reason: string | null;
  /** True when an arm had more labelled predictions than are read (`maxPredictions`): the newest were used. */
  readonly truncated: boolean;
}

/** What the service works with. */
export interface AbTestServiceOptions {
  readonly deployments: DeploymentService;
  readonly registry: RegistryService;
  readonly log: PredictionLog;
  readonly clock: Clock;
  /** Labelled predictions read per arm at most, newest first (default 100,000). */
  readonly maxPredictions?: number;
  /** Page size of the reads (default 1,000). */
  readonly pageSize?: number;
}

/** The flag of a production answer given after the canary failed the request. */
const CANARY_FAILED = 'canary_failed';

/** Starts, stops and reports A/B tests (see the module comment). */
export class AbTestService {
  readonly #o: Required<AbTestServiceOptions>;

  constructor(options: AbTestServiceOptions) {
    this.#o = { maxPredictions: 100_000, pageSize: 1000, ...options };
  }

  /**
   * Starts a test of `version` against production. Starting the test already running (same version and metric) only
   * sets its weight. INVALID_REQUEST for a metric that cannot be tested (f1) or a weight outside (0, 100);
   * MODEL_NOT_FOUND, VERSION_NOT_FOUND; ROLLOUT_CONFLICT and EXPERIMENT_CONFLICT as the module comment says.
   */
  async start(name: string, version: number, options: AbStartOptions, by: Actor): Promise<AbChange> {
    const { metric } = options;
    const weight = options.weight ?? 50;
    if (!(TESTABLE_METRICS as readonly string[]).includes(metric)) {
      const why = metric === 'f1' ? ': F1 has no per-row outcome to test; test precision and recall, or accuracy' : '';
      throw fail('INVALID_REQUEST', `an A/B test can test ${TESTABLE_METRICS.join(', ')}, not ${JSON.stringify(metric)}${why}`, { field: 'metric' });
    }
    if (typeof weight !== 'number' || !(weight > 0 && weight < 100)) {
      throw fail('INVALID_REQUEST', `weight must be a percent of requests above 0 and below 100, got ${String(weight)}`, { field: 'weight' });
    }
    const model = await this.#o.registry.model(name);
    await this.#o.registry.version(name, version);
    const production = model.aliases[PRODUCTION_ALIAS];
    if (production === undefined) {
      throw fail('EXPERIMENT_CONFLICT', `${JSON.stringify(name)} has no production version to compare version ${version} with`, { model: name });
    }
    if (production === version) {
      throw fail('EXPERIMENT_CONFLICT', `version ${version} of ${JSON.stringify(name)} is production: an A/B test compares another version with it`, {
        model: name,
        version,
      });
    }
    const since = Math.floor(this.#o.clock());
    const reason = `ab start: version ${version} at ${weight}% on ${metric}`;
    const change = await this.#o.deployments.update(
      name,
      (current) => {
        checkFree(name, current, version, metric);
        const running = current.routing.experiment;
        const same = running !== null && current.routing.canary?.version === version && running.metric === metric;
        return { routing: { canary: { version, weight }, experiment: same ? running : { metric, since } } };
      },
      { actor: by.actor, reason: by.reason ?? reason },
    );
    return { model: name, change, experiment: experimentOf(change.deployment.policy, production) };
  }

  /** Stops the running test (canary and experiment cleared); `changed: false` when none runs. MODEL_NOT_FOUND. */
  async stop(name: string, by: Actor): Promise<AbChange> {
    await this.#o.registry.model(name);
    const change = await this.#o.deployments.update(
      name,
      (current) => {
        const { experiment, canary } = current.routing;
        if (experiment === null) return null;
        if (canary !== null && isRolloutActive(current)) return { routing: { experiment: null } };
        return { routing: { canary: null, experiment: null } };
      },
      { actor: by.actor, reason: by.reason ?? 'ab stop' },
    );
    return { model: name, change, experiment: null };
  }

  /**
   * The report of the running test, or else of the last one that ran (see the module comment), over [since, until):
   * from `since` (default: when it started) to now, or to when it stopped. MODEL_NOT_FOUND; EXPERIMENT_NOT_FOUND when
   * no test ever ran; INVALID_TIME when `since` is not before the end.
   */
  async report(name: string, options: { since?: number } = {}): Promise<AbReport> {
    const found = await this.#find(name);
    const { experiment, running } = found;
    const since = options.since ?? experiment.since;
    const until = found.until;
    if (!(Number.isSafeInteger(since) && since < until)) {
      throw fail('INVALID_TIME', `the report must start before the test's end (since ${since}, until ${until})`, { field: 'since' });
    }
    const production = experiment.productionVersion ?? (await this.#o.registry.model(name)).aliases[PRODUCTION_ALIAS];
    if (production === undefined) throw fail('EXPERIMENT_CONFLICT', `${JSON.stringify(name)} has no production version to report on`, { model: name });
    const window = { model: name, since, until };
    const [a, b] = await Promise.all([
      this.#arm({ ...window, version: production, route: 'production' }),
      this.#arm({ ...window, version: experiment.version, route: 'canary' }),
    ]);
    const plan = planEvaluation([...a.rows, ...b.rows]);
    const metric = experiment.metric;
    const arm = (x: ArmRead, route: 'production' | 'canary', version: number): AbArm => {
      const result = evaluate(x.rows, plan);
      return { version, route, requests: x.requests, errors: x.errors, labelled: x.labelled, rows: result.rows, value: result.metrics[metric] ?? null };
    };
    const armA = arm(a, 'production', production);
    const armB = arm(b, 'canary', experiment.version);
    const tested = testOf(metric, plan.task, armOutcomes(a.rows, plan, metric), armOutcomes(b.rows, plan, metric), armA, armB);
    return {
      model: name,
      metric,
      weight: experiment.weight,
      running,
      startedAt: experiment.since,
      since,
      until,
      task: plan.task,
      positiveClass: plan.positiveClass,
      a: armA,
      b: armB,
      ...tested,
      truncated: a.truncated || b.truncated,
    };
  }

  /** The running test, else the last one that ran, with the end of its window. */
  async #find(name: string): Promise<{ experiment: AbExperiment; running: boolean; until: number }> {
    const { deployments, registry, clock } = this.#o;
    await registry.model(name);
    const history = await deployments.history(name);
    for (let i = history.length - 1; i >= 0; i--) {
      const revision = history[i]!;
      const { experiment, canary } = revision.policy.routing;
      if (experiment === null || canary === null) continue;
      const next: DeploymentRevision | undefined = history[i + 1];
      const running = next === undefined;
      const production = await registry.store.aliasAt(name, PRODUCTION_ALIAS, experiment.since);
      const until = running ? Math.floor(clock()) + 1 : next.at;
      return { experiment: experimentOf(revision.policy, production)!, running, until };
    }
    throw fail('EXPERIMENT_NOT_FOUND', `${JSON.stringify(name)} has no A/B test: start one with \`mooring ab start\``, { model: name });
  }

  /** Counts and labelled rows of one arm. */
  async #arm(filter: PredictionFilter & { version: number; route: 'production' | 'canary' }): Promise<ArmRead> {
    const { log, registry, maxPredictions, pageSize } = this.#o;
    const production = filter.route === 'production';
    // Production answers given after the canary failed belong to neither arm (the split chose B).
    const [all, failed, handedOver, handedOverFailed] = await Promise.all([
      log.count(filter),
      log.count({ ...filter, status: 'error' }),
      production ? log.count({ ...filter, flag: CANARY_FAILED }) : 0,
      production ? log.count({ ...filter, status: 'error', flag: CANARY_FAILED }) : 0,
    ]);
    const outputs = (await registry.store.getVersion(filter.model, filter.version))?.signature.outputs ?? null;
    const rows: LabelledRow[] = [];
    let labelled = 0;
    let read = 0;
    let after: string | undefined;
    for (;;) {
      const page = await log.labelled({
        ...filter,
        status: 'ok',
        limit: Math.min(pageSize, maxPredictions - read),
        ...(after === undefined ? {} : { after }),
      });
      for (const p of page.items) {
        if (p.flags.includes(CANARY_FAILED)) continue;
        labelled++;
        const scored = labelledRows(p, outputs);
        if (scored !== null) for (const r of scored) rows.push(r);
      }
      read += page.items.length;
      const truncated = page.next !== null && read >= maxPredictions;
      if (page.next === null || truncated) {
        return { requests: all - handedOver, errors: failed - handedOverFailed, labelled, rows, truncated };
      }
      after = page.next;
    }
  }
}

/** One arm as read from the log. */
interface ArmRead {
  readonly requests: number;
  readonly errors: number;
  readonly labelled: number;
  readonly rows: LabelledRow[];
  readonly truncated: boolean;
}

/** A canary rollout that still owns the canary. */
function isRolloutActive(policy: DeploymentPolicy): boolean {
  const phase = policy.rollout?.phase;
  return phase === 'progressing' || phase === 'paused';
}

/** Refuses a start the policy in force does not leave room for (see the module comment). */
function checkFree(name: string, policy: DeploymentPolicy, version: number, metric: ExperimentMetric): void {
  const { canary, experiment } = policy.routing;
  if (isRolloutActive(policy)) {
    const r = policy.rollout!;
    throw fail('ROLLOUT_CONFLICT', `a canary rollout of version ${r.version} of ${JSON.stringify(name)} is ${r.phase}: finish or abort it before an A/B test`, {
      model: name,
      phase: r.phase,
    });
  }
  if (experiment !== null && !(canary?.version === version && experiment.metric === metric)) {
    const what = canary === null ? 'an A/B test' : `an A/B test of version ${canary.version} on ${experiment.metric}`;
    throw fail('EXPERIMENT_CONFLICT', `${what} is running on ${JSON.stringify(name)}: stop it first (\`mooring ab stop ${name}\`)`, { model: name });
  }
  if (experiment === null && canary !== null) {
    throw fail('EXPERIMENT_CONFLICT', `${JSON.stringify(name)} has a canary (version ${canary.version} at ${canary.weight}%) outside an A/B test: remove it first`, {
      model: name,
    });
  }
}

/** The experiment a policy holds, or null. */
function experimentOf(policy: DeploymentPolicy, productionVersion: number | null | undefined): AbExperiment | null {
  const { experiment, canary } = policy.routing;
  if (experiment === null || canary === null) return null;
  return { version: canary.version, productionVersion: productionVersion ?? null, weight: canary.weight, metric: experiment.metric, since: experiment.since };
}

/** The test of the two arms' outcomes, or why there is none. */
function testOf(
  metric: ExperimentMetric,
  task: AccuracyTask | null,
  a: ReturnType<typeof armOutcomes>,
  b: ReturnType<typeof armOutcomes>,
  armA: AbArm,
  armB: AbArm,
): { test: AbTestResult | null; reason: string | null } {
  if (a === null || b === null) {
    if (metric === 'f1') return { test: null, reason: 'F1 has no per-row outcome to test; test precision and recall, or accuracy' };
    if (task === null) return { test: null, reason: 'no labelled predictions yet' };
    return { test: null, reason: `${metric} does not apply to this model's labels (${task}${task === 'classification' ? ' without a positive class' : ''})` };
  }
  const compared = compareArms(a, b);
  if (compared.result === null) return { test: null, reason: compared.reason };
  const r = compared.result;
  return {
    test: {
      metric,
      test: r.test,
      differenceOf: differenceOf(metric),
      a: { version: armA.version, n: outcomeCount(a), value: r.a },
      b: { version: armB.version, n: outcomeCount(b), value: r.b },
      difference: r.difference,
      ci95: r.ci95,
      pValue: r.pValue,
      significant: r.significant,
      statistic: r.statistic,
      df: r.df,
    },
    reason: null,
  };
}
