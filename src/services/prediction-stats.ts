import { MODEL_ERROR_FLAG } from './dataplane.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { AccuracyMetric, ModelSignals, SignalWindow } from '../core/monitoring/signals.js';
import { quantileSorted } from '../core/profile/quantiles.js';
import { mulberry32 } from '../core/random.js';
import type { PredictionFilter, PredictionLog, PredictionRoute } from '../storage/prediction-log.js';
import type { RegistryStore } from '../storage/registry-store.js';
import type { AccuracyService } from './accuracy-service.js';

/** Which predictions a statistic is over: a model (optionally one version) in [since, until). */
export interface StatsRange {
  readonly model: string;
  readonly version?: number;
  /** Inclusive, epoch ms. */
  readonly since: number;
  /** Exclusive, epoch ms; absent: up to now and beyond. */
  readonly until?: number;
  /** Only requests that took this route (a canary's or production's share of a split); absent: every route. */
  readonly route?: PredictionRoute;
}

/** Error rate over a range. */
export interface ErrorRate {
  readonly requests: number;
  readonly errors: number;
  /** errors / requests; null when there were no requests. */
  readonly rate: number | null;
}

/** A latency percentile over a range. */
export interface LatencyPercentile {
  /** Requests scanned (at most `maxScan`, newest first). */
  readonly requests: number;
  /** Latencies the percentile was taken over (all scanned, or a reservoir sample of `sampleSize` of them). */
  readonly sampled: number;
  /** True when every scanned latency was used (no sampling) and the scan reached the start of the range. */
  readonly exact: boolean;
  /** The percentile in milliseconds; null when there were no requests. */
  readonly value: number | null;
}

/** How the statistics read the log. */
export interface PredictionStatsOptions {
  readonly log: PredictionLog;
  readonly clock?: Clock;
  /** Latencies kept exactly; past this many a seeded reservoir of this size is kept instead (default 10,000). */
  readonly sampleSize?: number;
  /** Predictions scanned per latency read at most, newest first (default 200,000). */
  readonly maxScan?: number;
  /** Seed of the reservoir, so the same log gives the same answer (default 0x5eed). */
  readonly seed?: number;
  /** Page size of the reads (default 1,000). */
  readonly pageSize?: number;
}

/**
 * Error rate and latency percentiles from the prediction log, so every replica computes the same numbers.
 *
 * - The error rate is exact: `count`s over the range (all requests; those with status `error`; fallback answers
 *   flagged `model_error`). It counts requests, not rows.
 * - A latency percentile scans the range newest first, up to `maxScan` predictions. The first `sampleSize`
 *   latencies are kept exactly; beyond that, reservoir sampling (Algorithm R, seeded with `seed` on every call, so
 *   the same log gives the same answer) keeps a uniform sample of `sampleSize` of them. The percentile is numpy's
 *   default (linear interpolation, `np.quantile`) of what was kept, so it is exact whenever the range holds at most
 *   `sampleSize` predictions. Every status counts: a request that failed slowly is still slow.
 */
export class PredictionStats {
  readonly #log: PredictionLog;
  readonly #clock: Clock;
  readonly #sampleSize: number;
  readonly #maxScan: number;
  readonly #seed: number;
  readonly #pageSize: number;

  constructor(options: PredictionStatsOptions) {
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#sampleSize = options.sampleSize ?? 10_000;
    this.#maxScan = options.maxScan ?? 200_000;
    this.#seed = options.seed ?? 0x5eed;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** The current time of the clock the trailing windows end at. */
  now(): number {
    return Math.floor(this.#clock());
  }

  /**
   * Share of requests in the range that failed: answered with an error, or answered by a fallback because the model
   * failed (flag `model_error`): a fallback keeps the product up, it does not make the model healthy.
   */
  async errorRate(r: StatsRange): Promise<ErrorRate> {
    const filter = rangeFilter(r);
    const [requests, failed, fellBack] = await Promise.all([
      this.#log.count(filter),
      this.#log.count({ ...filter, status: 'error' }),
      this.#log.count({ ...filter, flag: MODEL_ERROR_FLAG }),
    ]);
    const errors = failed + fellBack;
    return { requests, errors, rate: requests === 0 ? null : errors / requests };
  }

  /** The `q`-quantile (0..1) of request latency in the range (0.99 for p99). */
  async latency(r: StatsRange, q = 0.99): Promise<LatencyPercentile> {
    const random = mulberry32(this.#seed);
    const kept: number[] = [];
    let seen = 0;
    let after: string | undefined;
    let complete = false;
    while (seen < this.#maxScan) {
      const page = await this.#log.query({
        ...rangeFilter(r),
        limit: Math.min(this.#pageSize, this.#maxScan - seen),
        ...(after === undefined ? {} : { after }),
      });
      for (const p of page.items) {
        seen++;
        if (kept.length < this.#sampleSize) kept.push(p.latencyMs);
        else {
          const j = Math.floor(random() * seen);
          if (j < this.#sampleSize) kept[j] = p.latencyMs;
        }
      }
      if (page.next === null) {
        complete = true;
        break;
      }
      after = page.next;
    }
    kept.sort((a, b) => a - b);
    return {
      requests: seen,
      sampled: kept.length,
      exact: complete && kept.length === seen,
      value: kept.length === 0 ? null : quantileSorted(kept, q),
    };
  }
}

function rangeFilter(r: StatsRange): PredictionFilter {
  return {
    model: r.model,
    since: r.since,
    ...(r.version === undefined ? {} : { version: r.version }),
    ...(r.until === undefined ? {} : { until: r.until }),
    ...(r.route === undefined ? {} : { route: r.route }),
  };
}

/** The drift half of ModelSignals, served by the drift monitor. */
export type DriftSignals = Pick<ModelSignals, 'driftShare' | 'columnDrift' | 'predictionShift'>;

/** The rollout signal of ModelSignals, served by the rollout controller. */
export type RolloutSignals = Pick<ModelSignals, 'rolloutRolledBack'>;

/** What `LogModelSignals` reads. */
export interface LogModelSignalsOptions {
  readonly stats: PredictionStats;
  readonly accuracy: AccuracyService;
  /** Which version serves `production` (for windows that name no version). */
  readonly store: RegistryStore;
  readonly clock?: Clock;
  /** The drift signals; absent, the drift methods answer null. */
  readonly drift?: DriftSignals | null;
  /** The rollout signal; absent, it answers null. */
  readonly rollouts?: RolloutSignals | null;
}

/**
 * ModelSignals over the prediction log: error rate, p99 latency and live accuracy over a trailing window
 * (`[now - windowMs, now]`) of one version, by default the version `production` points at now (null when there is
 * none). The drift methods are delegated to the drift monitor given as `drift`, the rollout signal to `rollouts`.
 */
export class LogModelSignals implements ModelSignals {
  readonly #stats: PredictionStats;
  readonly #accuracy: AccuracyService;
  readonly #store: RegistryStore;
  readonly #clock: Clock;
  readonly #drift: DriftSignals | null;
  readonly #rollouts: RolloutSignals | null;

  constructor(options: LogModelSignalsOptions) {
    this.#stats = options.stats;
    this.#accuracy = options.accuracy;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#drift = options.drift ?? null;
    this.#rollouts = options.rollouts ?? null;
  }

  async errorRate(w: SignalWindow): Promise<number | null> {
    const range = await this.#range(w);
    return range === null ? null : (await this.#stats.errorRate(range)).rate;
  }

  async latencyP99Ms(w: SignalWindow): Promise<number | null> {
    const range = await this.#range(w);
    return range === null ? null : (await this.#stats.latency(range, 0.99)).value;
  }

  async accuracy(w: SignalWindow, metric: AccuracyMetric): Promise<number | null> {
    const range = await this.#range(w);
    if (range === null || range.version === undefined) return null;
    return this.#accuracy.metric(range.model, range.version, range.since, range.until!, metric);
  }

  driftShare(w: SignalWindow): Promise<number | null> {
    return this.#drift === null ? Promise.resolve(null) : this.#drift.driftShare(w);
  }

  columnDrift(w: SignalWindow, column: string): Promise<number | null> {
    return this.#drift === null ? Promise.resolve(null) : this.#drift.columnDrift(w, column);
  }

  predictionShift(w: SignalWindow): Promise<number | null> {
    return this.#drift === null ? Promise.resolve(null) : this.#drift.predictionShift(w);
  }

  rolloutRolledBack(w: SignalWindow): Promise<number | null> {
    return this.#rollouts === null ? Promise.resolve(null) : this.#rollouts.rolloutRolledBack(w);
  }

  /** The window as a range ending now (inclusive), on the given or the production version; null when neither. */
  async #range(w: SignalWindow): Promise<(StatsRange & { until: number }) | null> {
    const version = w.version ?? (await this.#store.getModel(w.model))?.aliases['production'];
    if (version === undefined || !(w.windowMs > 0)) return null;
    const now = Math.floor(this.#clock());
    return { model: w.model, version, since: Math.max(0, now - Math.floor(w.windowMs)), until: now + 1 };
  }
}
