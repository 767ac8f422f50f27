import type { Rollout, RolloutCheck } from '../../core/deployment/policy.js';
import type { TensorSpec } from '../../core/inference/tensor.js';
import { ks2samp } from '../../core/monitoring/drift/ks.js';
import { answeredRows, predictionRow } from '../../core/monitoring/prediction-values.js';
import type { CheckResult } from '../../core/rollout/rollout-machine.js';
import type { PredictionLog, PredictionRoute } from '../../storage/prediction-log.js';
import type { RegistryStore } from '../../storage/registry-store.js';
import type { AccuracyService } from '../accuracy-service.js';
import type { ErrorRate, PredictionStats, StatsRange } from '../prediction-stats.js';

/** The KS test's p-value below which a shift beyond `max_drift` counts (SciPy's and Evidently's 0.05). */
const DRIFT_SIGNIFICANCE = 0.05;

/**
 * The analysis of one rollout step: the canary's requests in the step's window (`step_started_at` .. now, route
 * `canary`, the canary version) against production's (route `production`, the production version), read from the
 * prediction log, so every replica computes the same verdict. Checks, in order:
 *
 * - `requests`: canary requests in the window (value) against `min_requests` (limit). Fewer: the analysis waits
 *   (`passed: null`) and nothing else is computed.
 * - `error_rate`: the canary's share of failed requests (PredictionStats.errorRate; a request the canary failed and
 *   production then answered counts against the canary), at most `max_error_rate`. Baseline: production's rate.
 * - `latency_ratio`: canary p99 / production p99 (value; PredictionStats.latency), at most `max_latency_ratio`.
 *   Baseline: production's p99 in milliseconds.
 * - `drift`: the two-sample Kolmogorov-Smirnov statistic between the two versions' prediction scores (the first
 *   value of each row of the first floating-point output of each answered request), at most `max_drift`, unless the
 *   KS test's p-value (baseline) is at least 0.05: a difference that small samples explain is not a shift.
 * - `accuracy`: where labels arrived, the canary's live accuracy (value) may be at most `max_accuracy_drop` (limit)
 *   below production's (baseline), each over at least `min_requests` labelled rows; classification only.
 *
 * A check with no data to compute it (no labels, a regression model, no production baseline) is skipped: value
 * null, passed. Production's side is read over the step's window when it served at least `min_requests` there;
 * otherwise (at 100% it serves nothing) over the whole rollout so far, its most recent traffic.
 */

/** What the analysis reads. */
export interface RolloutAnalysisOptions {
  readonly log: PredictionLog;
  readonly stats: PredictionStats;
  readonly accuracy: AccuracyService;
  /** For the versions' output signatures (records answers carry no datatypes). */
  readonly store: Pick<RegistryStore, 'getVersion'>;
  /** Answered requests read per side for the distribution check, newest first (default 10,000). */
  readonly maxScoredRequests?: number;
  /** Page size of those reads (default 1,000). */
  readonly pageSize?: number;
}

/** One analysis: which rollout, which version serves production, and the end of the window. */
export interface AnalysisInput {
  readonly model: string;
  readonly rollout: Rollout;
  /** The version `production` points at now. */
  readonly production: number;
  /** The end of the window (exclusive), epoch ms. */
  readonly now: number;
}

/** Analyses rollout steps from the prediction log; see the file comment. */
export class RolloutAnalysis {
  readonly #log: PredictionLog;
  readonly #stats: PredictionStats;
  readonly #accuracy: AccuracyService;
  readonly #store: Pick<RegistryStore, 'getVersion'>;
  readonly #maxScored: number;
  readonly #pageSize: number;

  constructor(options: RolloutAnalysisOptions) {
    this.#log = options.log;
    this.#stats = options.stats;
    this.#accuracy = options.accuracy;
    this.#store = options.store;
    this.#maxScored = options.maxScoredRequests ?? 10_000;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** Analyses the current step of `input.rollout` over [step_started_at, now). */
  async analyze(input: AnalysisInput): Promise<CheckResult> {
    const { model, rollout: r, now } = input;
    const canary: StatsRange = { model, version: r.version, route: 'canary', since: r.stepStartedAt, until: now };
    const window: StatsRange = { model, version: input.production, route: 'production', since: r.stepStartedAt, until: now };
    const [canaryErrors, windowErrors] = await Promise.all([this.#stats.errorRate(canary), this.#stats.errorRate(window)]);
    const requests: RolloutCheck = {
      name: 'requests',
      value: canaryErrors.requests,
      baseline: windowErrors.requests,
      limit: r.minRequests,
      passed: canaryErrors.requests >= r.minRequests,
    };
    if (!requests.passed) return { at: now, passed: null, checks: [requests] };

    let production = window;
    let productionErrors: ErrorRate = windowErrors;
    if (windowErrors.requests < r.minRequests && r.startedAt < r.stepStartedAt) {
      production = { ...window, since: r.startedAt };
      productionErrors = await this.#stats.errorRate(production);
    }
    const [latency, drift, accuracy] = await Promise.all([
      this.#latencyCheck(r, canary, production),
      this.#driftCheck(r, canary, production),
      this.#accuracyCheck(r, canary, production),
    ]);
    const errorRate: RolloutCheck = {
      name: 'error_rate',
      value: canaryErrors.rate,
      baseline: productionErrors.rate,
      limit: r.maxErrorRate,
      passed: canaryErrors.rate === null || canaryErrors.rate <= r.maxErrorRate,
    };
    const checks = [requests, errorRate, latency, drift, accuracy];
    return { at: now, passed: checks.every((c) => c.passed), checks };
  }

  async #latencyCheck(r: Rollout, canary: StatsRange, production: StatsRange): Promise<RolloutCheck> {
    const [c, p] = await Promise.all([this.#stats.latency(canary, 0.99), this.#stats.latency(production, 0.99)]);
    const ratio = c.value !== null && p.value !== null && p.value > 0 ? c.value / p.value : null;
    return { name: 'latency_ratio', value: ratio, baseline: p.value, limit: r.maxLatencyRatio, passed: ratio === null || ratio <= r.maxLatencyRatio };
  }

  async #driftCheck(r: Rollout, canary: StatsRange, production: StatsRange): Promise<RolloutCheck> {
    const [c, p] = await Promise.all([this.#scores(canary), this.#scores(production)]);
    if (c.length === 0 || p.length === 0) return { name: 'drift', value: null, baseline: null, limit: r.maxDrift, passed: true };
    // A shift counts only when it is both larger than the limit and real: with the few hundred answers of an early
    // step the KS statistic of two identical models easily passes 0.2 by chance, so the test's p-value must say so
    // too (p < 0.05; SciPy's ks_2samp, exact up to 10,000 per side).
    const { statistic, pvalue } = ks2samp(c, p);
    return { name: 'drift', value: statistic, baseline: pvalue, limit: r.maxDrift, passed: statistic <= r.maxDrift || pvalue >= DRIFT_SIGNIFICANCE };
  }

  async #accuracyCheck(r: Rollout, canary: StatsRange, production: StatsRange): Promise<RolloutCheck> {
    const [c, p] = await Promise.all([this.#classificationAccuracy(canary, r.minRequests), this.#classificationAccuracy(production, r.minRequests)]);
    const usable = c !== null && p !== null;
    return {
      name: 'accuracy',
      value: usable ? c : null,
      baseline: usable ? p : null,
      limit: r.maxAccuracyDrop,
      // The small tolerance keeps an equal accuracy from failing on the float error of `p - limit`.
      passed: !usable || c >= p - r.maxAccuracyDrop - 1e-12,
    };
  }

  /** A version's live accuracy over a range, when it is a classifier with at least `minRows` labelled rows. */
  async #classificationAccuracy(range: StatsRange, minRows: number): Promise<number | null> {
    const report = await this.#accuracy.report({ model: range.model, version: range.version!, since: range.since, until: range.until! });
    const v = report.versions[0];
    if (v === undefined || v.task !== 'classification' || v.labelled < minRows) return null;
    return v.metrics.accuracy ?? null;
  }

  /**
   * The prediction scores of a range's answered requests, newest first, at most `maxScoredRequests` requests: the
   * first value of each row of the first floating-point output (rows whose answer has none are left out).
   */
  async #scores(range: StatsRange): Promise<number[]> {
    const meta = await this.#store.getVersion(range.model, range.version!);
    const outputs: readonly TensorSpec[] | null = meta?.signature.outputs ?? null;
    const scores: number[] = [];
    let read = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#log.query({
        model: range.model,
        version: range.version!,
        route: range.route as PredictionRoute,
        status: 'ok',
        since: range.since,
        until: range.until!,
        limit: Math.min(this.#pageSize, this.#maxScored - read),
        ...(after === undefined ? {} : { after }),
      });
      for (const p of page.items) {
        const rows = answeredRows(p.outputs) ?? 0;
        for (let row = 0; row < rows; row++) {
          const first = predictionRow(p.outputs, row, outputs)?.floats?.[0];
          if (first !== undefined) scores.push(first);
        }
      }
      read += page.items.length;
      if (page.next === null || read >= this.#maxScored) return scores;
      after = page.next;
    }
  }
}

