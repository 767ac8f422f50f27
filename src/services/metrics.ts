import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProblemReport } from '../core/validation/problems.js';
import { CellCounter, CellHistogram } from './metric-cells.js';
import type { CounterCell, HistogramCell } from './metric-cells.js';

/**
 * Mooring's Prometheus metrics, one registry per server (so several servers in one test process never share
 * series). The request path touches only pre-created cells (metric-cells.ts, ADR 13): `forVersion` resolves them
 * once per served version, so recording a request is a few additions, never a label lookup or validation (which
 * prom-client's own label children do on every call). The rest stays on plain prom-client metrics.
 *
 * The names are a public interface (dashboards and alert rules in deploy/ use them): change them only with a
 * CHANGELOG entry.
 */

/** What the dataplane did with a request whose input had problems. */
export type ValidationOutcome = 'rejected' | 'flagged' | 'ignored';

/** Latency buckets in seconds: 0.25 ms to 10 s, dense where a CPU model answers (1-50 ms). */
const LATENCY_BUCKETS = [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Score buckets: tenths of [0, 1], where probabilities and confidences live. */
const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** The hot path's handles for one served version (cells resolved once). */
export interface VersionMetrics {
  /** Successful answers on a route. */
  ok(route: string, seconds: number): void;
  /** Time inside the runtime for one inference. */
  inference(seconds: number): void;
  /** One prediction's score (the first value of a row of the first floating-point output). */
  score(value: number): void;
  /** One batched inference of `rows` rows. */
  batch(rows: number): void;
  /** A response-cache lookup: a hit (the model did not run) or a miss. */
  cache(hit: boolean): void;
  /** A request answered by an identical request's inference that was already running. */
  coalesced(): void;
}

/** Batch sizes in rows: powers of two up to 4096. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

/** The metrics of one server. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: CellCounter<'model' | 'version' | 'route' | 'code'>;
  readonly requestDuration: CellHistogram<'model' | 'version' | 'route'>;
  readonly inferenceDuration: CellHistogram<'model' | 'version'>;
  readonly predictionScore: CellHistogram<'model' | 'version'>;
  readonly batchSize: CellHistogram<'model' | 'version'>;
  readonly cacheRequests: CellCounter<'model' | 'version' | 'result'>;
  readonly coalescedRequests: CellCounter<'model' | 'version'>;
  readonly validationRequests: Counter<'model' | 'version' | 'outcome'>;
  readonly validationProblems: Counter<'model' | 'version' | 'problem'>;
  readonly driftScore: Gauge<'model' | 'version' | 'column' | 'method'>;
  readonly driftDetected: Gauge<'model' | 'version' | 'column'>;
  readonly driftShare: Gauge<'model' | 'version'>;
  readonly accuracy: Gauge<'model' | 'version' | 'metric'>;
  readonly alerts: Gauge<'rule' | 'model' | 'severity' | 'state'>;
  readonly fallbacks: Counter<'model' | 'kind' | 'reason'>;
  readonly fallbacksExhausted: Counter<'model' | 'reason'>;
  readonly shedRequests: Counter<'model' | 'version'>;
  readonly circuitState: Gauge<'model' | 'version' | 'state'>;
  readonly shadowDropped: Counter<'model'>;
  readonly canaryWeight: Gauge<'model' | 'version'>;
  /** Where the canary-weight gauge reads each model's split at scrape time (set by the server). */
  #canaries: () => Iterable<{ readonly model: string; readonly version: number; readonly weight: number }> = () => [];
  private readonly versions = new Map<string, VersionMetrics>();

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'mooring_' });
    this.requests = new CellCounter({
      name: 'mooring_requests_total',
      help: 'Inference requests answered, by model, version, route (production, direct, canary, shadow, fallback) and HTTP status code.',
      labelNames: ['model', 'version', 'route', 'code'],
      registers,
    });
    this.requestDuration = new CellHistogram({
      name: 'mooring_request_duration_seconds',
      help: 'Time from routing to the answer of successful inference requests (decode, validation, inference, encode).',
      labelNames: ['model', 'version', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.inferenceDuration = new CellHistogram({
      name: 'mooring_inference_duration_seconds',
      help: 'Time inside the model runtime for one inference (one request, or one batch).',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.predictionScore = new CellHistogram({
      name: 'mooring_prediction_score',
      help: "Distribution of the predictions: each row's first value of the model's first floating-point output (a probability or score).",
      labelNames: ['model', 'version'],
      buckets: SCORE_BUCKETS,
      registers,
    });
    this.batchSize = new CellHistogram({
      name: 'mooring_batch_size',
      help: 'Rows per batched inference when adaptive batching is on (Triton exports the same as inference count over execution count).',
      labelNames: ['model', 'version'],
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.cacheRequests = new CellCounter({
      name: 'mooring_cache_requests_total',
      help: 'Response-cache lookups of versions with the cache on, by result (hit: answered without running the model; miss).',
      labelNames: ['model', 'version', 'result'],
      registers,
    });
    this.coalescedRequests = new CellCounter({
      name: 'mooring_coalesced_requests_total',
      help: 'Requests answered by an identical request whose inference was already running (request coalescing).',
      labelNames: ['model', 'version'],
      registers,
    });
    this.validationRequests = new Counter({
      name: 'mooring_validation_requests_total',
      help: 'Requests whose input failed a check, by what was done with them (rejected, flagged and served, ignored).',
      labelNames: ['model', 'version', 'outcome'],
      registers,
    });
    this.validationProblems = new Counter({
      name: 'mooring_validation_problems_total',
      help: 'Input problems found, by kind (missing, wrong_type, out_of_range, unseen_category, ...).',
      labelNames: ['model', 'version', 'problem'],
      registers,
    });
    this.driftScore = new Gauge({
      name: 'mooring_drift_score',
      help: 'Drift statistic of a column (feature or prediction) in the monitoring window against the training profile, under its test.',
      labelNames: ['model', 'version', 'column', 'method'],
      registers,
    });
    this.driftDetected = new Gauge({
      name: 'mooring_drift_detected',
      help: "1 when a column's drift test says drift in the monitoring window, else 0.",
      labelNames: ['model', 'version', 'column'],
      registers,
    });
    this.driftShare = new Gauge({
      name: 'mooring_drift_share',
      help: 'Share of feature columns drifting in the monitoring window (dataset drift at >= 0.5).',
      labelNames: ['model', 'version'],
      registers,
    });
    this.accuracy = new Gauge({
      name: 'mooring_accuracy',
      help: 'Live accuracy metrics of a version over the monitoring window, from predictions joined with feedback labels.',
      labelNames: ['model', 'version', 'metric'],
      registers,
    });
    this.alerts = new Gauge({
      name: 'mooring_alerts',
      help: 'Alert rules by state: 1 for the state a rule is in (pending or firing), absent otherwise.',
      labelNames: ['rule', 'model', 'severity', 'state'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'mooring_fallbacks_total',
      help: 'Answers a fallback gave (kind: cache, previous, rules), by why the model did not answer (reason: error, non_finite, timeout, circuit_open, overloaded, unavailable, validation).',
      labelNames: ['model', 'kind', 'reason'],
      registers,
    });
    this.fallbacksExhausted = new Counter({
      name: 'mooring_fallbacks_exhausted_total',
      help: 'Requests the model could not answer and no fallback of the chain could either (answered 503 FALLBACK_EXHAUSTED).',
      labelNames: ['model', 'reason'],
      registers,
    });
    this.shedRequests = new Counter({
      name: 'mooring_shed_requests_total',
      help: "Requests refused at once because the version had its deployment's limits of running and waiting requests (load shedding).",
      labelNames: ['model', 'version'],
      registers,
    });
    this.shadowDropped = new Counter({
      name: 'mooring_shadow_dropped_total',
      help: 'Shadow runs not started because the process already had its most shadow runs in flight (64).',
      labelNames: ['model'],
      registers,
    });
    const canaries = (): Iterable<{ readonly model: string; readonly version: number; readonly weight: number }> => this.#canaries();
    this.canaryWeight = new Gauge({
      name: 'mooring_canary_weight',
      help: "Percent of a model's production-routed requests its canary answers (a canary rollout's step, or an A/B split).",
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const c of canaries()) this.labels(c.model, String(c.version)).set(c.weight);
      },
    });
    this.circuitState = new Gauge({
      name: 'mooring_circuit_state',
      help: "A version's circuit breaker: 1 for the state it is in (closed, open, half_open), 0 for the others.",
      labelNames: ['model', 'version', 'state'],
      registers,
    });
  }

  /** Tells the canary-weight gauge where to read the models' splits (every replica knows them from the registry). */
  observeCanaries(source: () => Iterable<{ readonly model: string; readonly version: number; readonly weight: number }>): void {
    this.#canaries = source;
  }

  /** Sets a version's circuit-breaker state (one series per state, 1 for the current one). */
  circuit(model: string, version: string, state: 'closed' | 'open' | 'half_open'): void {
    for (const s of ['closed', 'open', 'half_open'] as const) this.circuitState.labels(model, version, s).set(s === state ? 1 : 0);
  }

  /**
   * The pre-created handles of one version; built on first use and kept (a version has a handful of series).
   * Cells are listed in `/metrics` only once used, so pre-creating them adds no zero series.
   */
  forVersion(model: string, version: string): VersionMetrics {
    const key = `${model}\u0000${version}`;
    let m = this.versions.get(key);
    if (m) return m;
    const okProduction = this.requests.labels(model, version, 'production', '200');
    const okDirect = this.requests.labels(model, version, 'direct', '200');
    const durProduction = this.requestDuration.labels(model, version, 'production');
    const durDirect = this.requestDuration.labels(model, version, 'direct');
    // Other routes (canary, shadow, fallback) get their cells on first use, then one Map lookup per request.
    const otherRoutes = new Map<string, { ok: CounterCell; duration: HistogramCell }>();
    const route = (name: string): { ok: CounterCell; duration: HistogramCell } => {
      let cells = otherRoutes.get(name);
      if (cells === undefined) {
        cells = { ok: this.requests.labels(model, version, name, '200'), duration: this.requestDuration.labels(model, version, name) };
        otherRoutes.set(name, cells);
      }
      return cells;
    };
    const inference = this.inferenceDuration.labels(model, version);
    const score = this.predictionScore.labels(model, version);
    const batch = this.batchSize.labels(model, version);
    const hits = this.cacheRequests.labels(model, version, 'hit');
    const misses = this.cacheRequests.labels(model, version, 'miss');
    const coalesced = this.coalescedRequests.labels(model, version);
    m = {
      ok: (name, seconds) => {
        if (name === 'production') {
          okProduction.inc();
          durProduction.observe(seconds);
        } else if (name === 'direct') {
          okDirect.inc();
          durDirect.observe(seconds);
        } else {
          const cells = route(name);
          cells.ok.inc();
          cells.duration.observe(seconds);
        }
      },
      inference: (seconds) => inference.observe(seconds),
      score: (value) => score.observe(value),
      batch: (rows) => batch.observe(rows),
      cache: (hit) => (hit ? hits : misses).inc(),
      coalesced: () => coalesced.inc(),
    };
    this.versions.set(key, m);
    return m;
  }

  /** Counts a failed inference request (the version is '' when the request never reached one); same family as `ok`. */
  failed(model: string, version: string, route: string, code: number): void {
    this.requests.labels(model, version, route, String(code)).inc();
  }

  /** Counts a request with input problems and each problem in it. */
  validation(model: string, version: string, report: ProblemReport, outcome: ValidationOutcome): void {
    this.validationRequests.labels(model, version, outcome).inc();
    for (const [problem, n] of report.byKind) this.validationProblems.labels(model, version, problem).inc(n);
  }

  /** The exposition text for `/metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of `render`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
