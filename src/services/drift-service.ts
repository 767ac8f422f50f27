import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { fail, isMooringError } from '../core/errors.js';
import { DRIFT_METHODS } from '../core/monitoring/drift/select.js';
import type { DriftMethod } from '../core/monitoring/drift/select.js';
import { MAX_LAST, compareWindow, driftColumns, windowColumns } from '../core/monitoring/drift-report.js';
import type { DriftAnalysis, DriftColumnReport, DriftReport } from '../core/monitoring/drift-report.js';
import { compileRowExtractor } from '../core/monitoring/row-extraction.js';
import type { RowExtractor } from '../core/monitoring/row-extraction.js';
import type { SignalWindow } from '../core/monitoring/signals.js';
import { WindowSample } from '../core/monitoring/window-sample.js';
import type { WindowSampleOptions } from '../core/monitoring/window-sample.js';
import type { VersionProfile } from '../core/profile/types.js';
import { PRODUCTION_ALIAS, parseSelector } from '../core/registry/names.js';
import type { ModelRef } from '../core/registry/names.js';
import type { ModelVersion } from '../core/registry/types.js';
import type { PredictionLog, PredictionQuery } from '../storage/prediction-log.js';
import type { RegistryStore } from '../storage/registry-store.js';
import { renderDriftHtml } from './drift-html.js';

/**
 * Drift of a version's traffic against its training profile, computed from the prediction log (ADR 9): a report
 * scans the logged predictions of the window (newest first, page by page), extracts each feature and output column
 * per row, and keeps a bounded sample per column (a seeded reservoir of numbers, exact category counts); the drift
 * tests then compare each column with the profile. Nothing runs on the request path, every replica computes the
 * same report from the same log, and any window can be asked after the fact.
 *
 * A scan costs time proportional to the window, so the signals (what the monitor and alert rules ask every few
 * seconds) are cached for a short time per (model, version, window length): three signals of one rule, or several
 * rules on one model, cost one scan. Reports asked by a person are computed afresh every time.
 */

/** Which predictions a report covers and how it tests them. */
export interface DriftQuery {
  readonly model: string;
  /** A version number or selector (`3`, `latest`, an alias); default: the version `production` points at. */
  readonly version?: number | string | undefined;
  /** Predictions at or after this time (epoch ms). Not with `windowMs` or `last`. */
  readonly since?: number | undefined;
  /** Predictions before this time (epoch ms); default: now. */
  readonly until?: number | undefined;
  /** A trailing window of this many milliseconds ending now. Not with `since` or `last`. */
  readonly windowMs?: number | undefined;
  /** The newest `last` predictions (log records, whatever rows each carries). Not with `since` or `windowMs`. */
  readonly last?: number | undefined;
  /** One test for every column instead of Evidently's defaults. */
  readonly method?: DriftMethod | undefined;
}

/** What the service reads from the registry: a RegistryService fits. */
export interface DriftRegistry {
  resolve(ref: ModelRef): Promise<ModelVersion>;
  readonly store: Pick<RegistryStore, 'getProfile'>;
}

/** How the service samples, pages and caches. */
export interface DriftServiceOptions {
  readonly registry: DriftRegistry;
  readonly log: PredictionLog;
  readonly clock?: Clock;
  /** How long the signals reuse a computed report (default 15 s); 0 turns the cache off. */
  readonly cacheTtlMs?: number;
  /** The window when a query names none: the trailing this many milliseconds (default 24 hours). */
  readonly defaultWindowMs?: number;
  /** Predictions read per page of the log (default 1000). */
  readonly pageSize?: number;
  /**
   * Most predictions a time window reads, newest first (default 50,000): a busy window is represented by its
   * newest predictions, so a report's cost is bounded however much traffic the window saw. `last` is not capped.
   */
  readonly maxScan?: number;
  /** Per-column bounds of the current window. */
  readonly sample?: WindowSampleOptions;
}

const DEFAULTS = { cacheTtlMs: 15_000, defaultWindowMs: 86_400_000, pageSize: 1000, maxScan: 50_000 } as const;

/** A version ready to be compared: its profile and its compiled extractor (both immutable, so cached). */
interface Prepared {
  readonly version: ModelVersion;
  readonly profile: VersionProfile;
  readonly extractor: RowExtractor;
}

/** A resolved window: a time range, optionally limited to the newest `last` predictions. */
interface Range {
  readonly since: number | undefined;
  readonly until: number | undefined;
  readonly last: number | undefined;
}

/** Drift reports (CLI, admin API, HTML) and the drift signals of `ModelSignals`, over the prediction log. */
export class DriftService {
  private readonly registry: DriftRegistry;
  private readonly log: PredictionLog;
  private readonly clock: Clock;
  private readonly defaultWindowMs: number;
  private readonly pageSize: number;
  private readonly maxScan: number;
  private readonly sampleOptions: WindowSampleOptions;
  private readonly prepared = new LRUCache<string, Promise<Prepared | null>>({ max: 32 });
  private readonly analyses: LRUCache<string, Promise<DriftAnalysis>> | null;

  constructor(options: DriftServiceOptions) {
    this.registry = options.registry;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.defaultWindowMs = options.defaultWindowMs ?? DEFAULTS.defaultWindowMs;
    this.pageSize = options.pageSize ?? DEFAULTS.pageSize;
    this.maxScan = options.maxScan ?? DEFAULTS.maxScan;
    this.sampleOptions = options.sample ?? {};
    const ttl = options.cacheTtlMs ?? DEFAULTS.cacheTtlMs;
    // The injected clock drives expiry too, so tests can move time by hand.
    const clock = this.clock;
    this.analyses = ttl > 0 ? new LRUCache({ max: 256, ttl, ttlResolution: 0, perf: { now: () => clock() } }) : null;
  }

  /** The service's clock: what relative times at the edges (`since=1h`) are read against. */
  now(): number {
    return this.clock();
  }

  /**
   * The drift report of a version over a window. Throws MODEL_NOT_FOUND / VERSION_NOT_FOUND / ALIAS_NOT_FOUND for
   * what does not resolve, PROFILE_NOT_FOUND when the version has no training profile, INVALID_REQUEST for a query
   * that combines `since`, `windowMs` and `last` or names an unknown method.
   */
  async report(query: DriftQuery): Promise<DriftReport> {
    return (await this.analyze(query)).report;
  }

  /** The report and its chart data. Throws as `report`. */
  async analyze(query: DriftQuery): Promise<DriftAnalysis> {
    const range = this.range(query);
    const version = await this.resolve(query.model, query.version);
    const prepared = await this.prepare(version);
    if (prepared === null) {
      throw fail(
        'PROFILE_NOT_FOUND',
        `model ${JSON.stringify(version.name)} version ${version.version} was registered without reference data, so there is no ` +
          'training profile to compare its traffic with; register a version with --reference-data',
        { model: version.name, version: version.version },
      );
    }
    // Asked by a person: always the log as it is now. Only the signals (asked by the monitor) are cached.
    return this.compute(prepared, range, query.method);
  }

  /** The report as a self-contained HTML page (see drift-html.ts). Throws as `report`. */
  async html(query: DriftQuery): Promise<string> {
    const analysis = await this.analyze(query);
    const range = this.range(query);
    const trailing = query.since === undefined && query.last === undefined ? (query.windowMs ?? this.defaultWindowMs) : undefined;
    return renderDriftHtml(analysis, { generatedAt: this.clock(), window: describeWindow(range, trailing) });
  }

  /**
   * Signal: the share of feature columns whose drift test says "drift" over the trailing window. Null when the
   * version has no profile, nothing serves `production`, or the window has no rows.
   */
  async driftShare(w: SignalWindow): Promise<number | null> {
    const report = await this.signalReport(w);
    return report === null ? null : report.drift_share;
  }

  /**
   * Signal: the statistic of one column (a feature, else an output, by name) under its default test: KS D, the
   * normed Wasserstein or Jensen-Shannon distance, χ², or |Z| (the Z test's sign only says which sample has more of
   * the second value, so its magnitude is what a threshold compares). Null as `driftShare`, and for a column the
   * profile does not have or that could not be tested.
   */
  async columnDrift(w: SignalWindow, column: string): Promise<number | null> {
    const report = await this.signalReport(w);
    if (report === null) return null;
    const c = report.columns.find((x) => x.name === column && x.kind === 'feature') ?? report.columns.find((x) => x.name === column);
    return c === undefined ? null : magnitude(c);
  }

  /** Signal: `columnDrift` of the model's main prediction, the first output column of the profile. */
  async predictionShift(w: SignalWindow): Promise<number | null> {
    const report = await this.signalReport(w);
    if (report === null) return null;
    const c = report.columns.find((x) => x.kind === 'prediction');
    return c === undefined ? null : magnitude(c);
  }

  private async signalReport(w: SignalWindow): Promise<DriftReport | null> {
    let version: ModelVersion;
    try {
      version = await this.resolve(w.model, w.version);
    } catch (e) {
      // No production version (yet) is "nothing to say"; an unknown model is still an error.
      if (isMooringError(e) && (e.code === 'ALIAS_NOT_FOUND' || e.code === 'VERSION_NOT_FOUND')) return null;
      throw e;
    }
    const prepared = await this.prepare(version);
    if (prepared === null) return null;
    const query: DriftQuery = { model: w.model, version: version.version, windowMs: w.windowMs };
    const report = (await this.cached(prepared, query, this.range(query))).report;
    return report.current_rows === 0 ? null : report;
  }

  private resolve(model: string, version: number | string | undefined): Promise<ModelVersion> {
    let ref: ModelRef;
    if (version === undefined) ref = { name: model, selector: { kind: 'alias', alias: PRODUCTION_ALIAS } };
    else if (typeof version === 'number') ref = { name: model, selector: { kind: 'version', version } };
    else ref = parseSelector(model, version);
    return this.registry.resolve(ref);
  }

  /** Checks a query's window and method; the time range it stands for (windows relative to now are resolved later). */
  private range(query: DriftQuery): Range {
    const { since, until, windowMs, last, method } = query;
    if (method !== undefined && !DRIFT_METHODS.includes(method)) {
      throw fail('INVALID_REQUEST', `unknown drift method ${JSON.stringify(method)}; use one of ${DRIFT_METHODS.join(', ')}`, { method });
    }
    const given = [since !== undefined, windowMs !== undefined, last !== undefined].filter(Boolean).length;
    if (given > 1) throw fail('INVALID_REQUEST', 'a drift window is one of since (a time), a trailing duration, or last N predictions', {});
    for (const [name, t] of [['since', since], ['until', until]] as const) {
      if (t !== undefined && (!Number.isSafeInteger(t) || t < 0)) throw fail('INVALID_TIME', `${name} must be epoch milliseconds`, { field: name });
    }
    if (windowMs !== undefined && (!Number.isSafeInteger(windowMs) || windowMs <= 0)) {
      throw fail('INVALID_REQUEST', 'the window must be a whole number of milliseconds > 0', { windowMs });
    }
    if (last !== undefined && (!Number.isSafeInteger(last) || last < 1 || last > MAX_LAST)) {
      throw fail('INVALID_REQUEST', `last must be a whole number from 1 to ${MAX_LAST}`, { last });
    }
    if (last !== undefined) return { since: undefined, until, last };
    if (since !== undefined) return { since, until, last: undefined };
    const end = until ?? this.clock();
    return { since: Math.max(0, end - (windowMs ?? this.defaultWindowMs)), until, last: undefined };
  }

  private prepare(version: ModelVersion): Promise<Prepared | null> {
    const key = `${version.name}\u0000${version.version}`;
    let p = this.prepared.get(key);
    if (p === undefined) {
      p = this.load(version);
      this.prepared.set(key, p);
      p.catch(() => this.prepared.delete(key));
    }
    return p;
  }

  private async load(version: ModelVersion): Promise<Prepared | null> {
    const profile = version.hasProfile ? await this.registry.store.getProfile(version.name, version.version) : null;
    // A profile always comes with named features (the registry refuses one without); checked anyway.
    if (profile === null || version.features === null) return null;
    const extractor = compileRowExtractor({
      features: version.features,
      outputs: version.signature.outputs,
      columns: driftColumns(profile),
    });
    return { version, profile, extractor };
  }

  /**
   * Forgets the signals' cached analyses, so the next signal reads the log as it is now. The monitor calls it at the
   * start of each round: rules within one round share a scan, a new round never sees the previous one's data.
   */
  clearSignalCache(): void {
    this.analyses?.clear();
  }

  /** The analysis of a query, from the cache while it is fresh (a trailing window is keyed by its length). */
  private cached(prepared: Prepared, query: DriftQuery, range: Range): Promise<DriftAnalysis> {
    const { name, version } = prepared.version;
    const key = JSON.stringify([name, version, query.since ?? null, query.until ?? null, query.windowMs ?? null, query.last ?? null, query.method ?? null]);
    const hit = this.analyses?.get(key);
    if (hit !== undefined) return hit;
    const p = this.compute(prepared, range, query.method);
    if (this.analyses !== null) {
      const cache = this.analyses;
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  }

  private async compute(prepared: Prepared, range: Range, method: DriftMethod | undefined): Promise<DriftAnalysis> {
    const { profile, extractor } = prepared;
    const { name, version } = prepared.version;
    const window = new WindowSample(windowColumns(profile), this.sampleOptions);
    let remaining = range.last ?? this.maxScan;
    let after: string | null = null;
    do {
      const q: PredictionQuery = {
        model: name,
        version,
        status: 'ok',
        limit: Math.min(this.pageSize, remaining),
        ...(range.since === undefined ? {} : { since: range.since }),
        ...(range.until === undefined ? {} : { until: range.until }),
        ...(after === null ? {} : { after }),
      };
      const page = await this.log.query(q);
      // A fallback's answer is not the model's: the window describes what the model itself answered.
      for (const p of page.items) if (p.route !== 'fallback') window.add(extractor.extract(p.inputs, p.outputs));
      remaining -= page.items.length;
      after = page.next;
    } while (after !== null && remaining > 0);
    return compareWindow(profile, window, { model: name, version, method });
  }
}

function magnitude(c: DriftColumnReport): number | null {
  if (c.statistic === null) return null;
  return c.method === 'ztest' ? Math.abs(c.statistic) : c.statistic;
}

/** The window in words, for the HTML report; `trailing` is the length of a window ending now, when it is one. */
function describeWindow(range: Range, trailing: number | undefined): string {
  const iso = (t: number): string => new Date(t).toISOString();
  const until = range.until === undefined ? 'now' : iso(range.until);
  if (range.last !== undefined) return `the last ${range.last} predictions before ${until}`;
  const since = range.since === undefined ? 'the start of the log' : iso(range.since);
  if (trailing !== undefined) return `${formatMs(trailing)} before ${until} (from ${since})`;
  return `from ${since} to ${until}`;
}

function formatMs(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
