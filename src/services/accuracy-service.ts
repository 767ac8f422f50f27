import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { fail } from '../core/errors.js';
import type { TensorSpec } from '../core/inference/tensor.js';
import { evaluate, labelledRows, planEvaluation } from '../core/monitoring/accuracy.js';
import type { AccuracyMetrics, AccuracyTask, LabelledRow } from '../core/monitoring/accuracy.js';
import type { LoggedPrediction } from '../core/monitoring/prediction-record.js';
import type { AccuracyMetric } from '../core/monitoring/signals.js';
import type { PredictionLog } from '../storage/prediction-log.js';
import type { RegistryStore } from '../storage/registry-store.js';

/** What an accuracy report is about. Times are UTC epoch milliseconds; windows are by prediction time. */
export interface AccuracyQuery {
  readonly model: string;
  /** One version; absent: every version with labelled predictions in the range, each reported apart. */
  readonly version?: number;
  /** Inclusive. */
  readonly since: number;
  /** Exclusive. */
  readonly until: number;
  /** Also report buckets of this length (aligned to multiples of it since the epoch, clipped to the range). */
  readonly windowMs?: number | null;
}

/** The metrics of one time bucket. */
export interface WindowAccuracy {
  readonly start: number;
  readonly end: number;
  /** Rows the metrics were computed over. */
  readonly labelled: number;
  readonly metrics: AccuracyMetrics;
}

/** Live accuracy of one version. */
export interface VersionAccuracy {
  readonly model: string;
  readonly version: number;
  /** Chosen from the labels (see core/monitoring/accuracy.ts); null when no label was usable. */
  readonly task: AccuracyTask | null;
  readonly positiveClass: string | null;
  /** Rows the metrics were computed over. */
  readonly labelled: number;
  /** Labelled predictions left out: the label did not give one label per row, or the answer could not be read. */
  readonly unusable: number;
  readonly metrics: AccuracyMetrics;
  /** Per bucket, oldest first, every bucket of the range (empty ones too); [] when no window was asked for. */
  readonly windows: WindowAccuracy[];
}

/** What `report` answers. */
export interface AccuracyReport {
  readonly model: string;
  readonly since: number;
  readonly until: number;
  readonly windowMs: number | null;
  /**
   * True when the range held more labelled predictions than the service reads (`maxPredictions`): the metrics then
   * cover the newest ones only.
   */
  readonly truncated: boolean;
  /** By version, ascending. */
  readonly versions: VersionAccuracy[];
}

/** How the service reads. */
export interface AccuracyServiceOptions {
  readonly log: PredictionLog;
  /** For the versions' output signatures (records answers carry no datatypes). */
  readonly store: RegistryStore;
  readonly clock?: Clock;
  /** Labelled predictions read per report at most, newest first (default 100,000). */
  readonly maxPredictions?: number;
  /** Buckets per report at most (default 1,000). */
  readonly maxWindows?: number;
  /** Page size of the reads (default 1,000). */
  readonly pageSize?: number;
}

interface TimedRow extends LabelledRow {
  readonly at: number;
}

interface VersionRows {
  readonly rows: TimedRow[];
  unusable: number;
}

/**
 * Live accuracy from the prediction log: labelled predictions of a model (or one version) in a time range, read
 * newest first through `labelled(...)` up to a bound, turned into one row per scored instance (a multi-row request's
 * label is one label per row), and measured with core/monitoring/accuracy.ts. The task and positive class are
 * chosen once per version over the whole range, so every bucket of a version is measured the same way.
 */
export class AccuracyService {
  readonly #log: PredictionLog;
  readonly #store: RegistryStore;
  readonly #clock: Clock;
  readonly #maxPredictions: number;
  readonly #maxWindows: number;
  readonly #pageSize: number;

  constructor(options: AccuracyServiceOptions) {
    this.#log = options.log;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#maxPredictions = options.maxPredictions ?? 100_000;
    this.#maxWindows = options.maxWindows ?? 1000;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** The clock reports are relative to (for callers turning "1h" into a time). */
  now(): number {
    return Math.floor(this.#clock());
  }

  /**
   * The accuracy report of a model over [since, until). Throws INVALID_TIME when `since` is not before `until`, and
   * INVALID_REQUEST when the window is not a positive whole number of milliseconds or makes more buckets than
   * `maxWindows`.
   */
  async report(q: AccuracyQuery): Promise<AccuracyReport> {
    if (!(Number.isSafeInteger(q.since) && Number.isSafeInteger(q.until) && q.since < q.until)) {
      throw fail('INVALID_TIME', `the range must start before it ends (since ${q.since}, until ${q.until})`, { field: 'since' });
    }
    const windowMs = q.windowMs ?? null;
    if (windowMs !== null) {
      if (!Number.isSafeInteger(windowMs) || windowMs <= 0) throw fail('INVALID_REQUEST', `window must be a positive duration, got ${String(windowMs)}`);
      const buckets = Math.floor((q.until - 1) / windowMs) - Math.floor(q.since / windowMs) + 1;
      if (buckets > this.#maxWindows) {
        throw fail('INVALID_REQUEST', `a window of ${windowMs} ms makes ${buckets} buckets over the range; at most ${this.#maxWindows}: widen the window or narrow the range`, {
          buckets,
        });
      }
    }
    const { byVersion, truncated } = await this.#read(q);
    const versions = [...byVersion.keys()].sort((a, b) => a - b).map((v) => this.#versionReport(q, v, byVersion.get(v)!, windowMs));
    return { model: q.model, since: q.since, until: q.until, windowMs, truncated, versions };
  }

  /** One metric of one version over [since, until): null when it does not apply to the task or has no data. */
  async metric(model: string, version: number, since: number, until: number, metric: AccuracyMetric): Promise<number | null> {
    if (since >= until) return null;
    const report = await this.report({ model, version, since, until });
    return report.versions[0]?.metrics[metric] ?? null;
  }

  #versionReport(q: AccuracyQuery, version: number, data: VersionRows, windowMs: number | null): VersionAccuracy {
    const plan = planEvaluation(data.rows);
    const overall = evaluate(data.rows, plan);
    const windows: WindowAccuracy[] = [];
    if (windowMs !== null) {
      const first = Math.floor(q.since / windowMs);
      const last = Math.floor((q.until - 1) / windowMs);
      const buckets: TimedRow[][] = Array.from({ length: last - first + 1 }, () => []);
      for (const r of data.rows) buckets[Math.floor(r.at / windowMs) - first]!.push(r);
      for (let b = 0; b < buckets.length; b++) {
        const start = Math.max(q.since, (first + b) * windowMs);
        const end = Math.min(q.until, (first + b + 1) * windowMs);
        const result = evaluate(buckets[b]!, plan);
        windows.push({ start, end, labelled: result.rows, metrics: result.metrics });
      }
    }
    return {
      model: q.model,
      version,
      task: overall.task,
      positiveClass: overall.positiveClass,
      labelled: overall.rows,
      unusable: data.unusable,
      metrics: overall.metrics,
      windows,
    };
  }

  async #read(q: AccuracyQuery): Promise<{ byVersion: Map<number, VersionRows>; truncated: boolean }> {
    const byVersion = new Map<number, VersionRows>();
    const outputs = new Map<number, Promise<readonly TensorSpec[] | null>>();
    const signatureOf = (version: number): Promise<readonly TensorSpec[] | null> => {
      let found = outputs.get(version);
      if (found === undefined) {
        found = this.#store.getVersion(q.model, version).then(
          (v) => v?.signature.outputs ?? null,
          () => null,
        );
        outputs.set(version, found);
      }
      return found;
    };
    let read = 0;
    let after: string | undefined;
    for (;;) {
      const limit = Math.min(this.#pageSize, this.#maxPredictions - read);
      const page = await this.#log.labelled({
        model: q.model,
        status: 'ok',
        since: q.since,
        until: q.until,
        limit,
        ...(q.version === undefined ? {} : { version: q.version }),
        ...(after === undefined ? {} : { after }),
      });
      for (const p of page.items) {
        if (p.route === 'fallback') continue; // a fallback's answer is not the model's
        let data = byVersion.get(p.version);
        if (data === undefined) byVersion.set(p.version, (data = { rows: [], unusable: 0 }));
        const rows = rowsOf(p, await signatureOf(p.version));
        if (rows === null) data.unusable++;
        else for (const r of rows) data.rows.push(r);
      }
      read += page.items.length;
      if (page.next === null) return { byVersion, truncated: false };
      if (read >= this.#maxPredictions) return { byVersion, truncated: true };
      after = page.next;
    }
  }
}

/** One row per scored instance of a labelled prediction, or null when its label or answer cannot be paired. */
function rowsOf(p: LoggedPrediction, outputs: readonly TensorSpec[] | null): TimedRow[] | null {
  return labelledRows(p, outputs)?.map((r) => ({ at: p.at, predicted: r.predicted, label: r.label })) ?? null;
}
