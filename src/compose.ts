import pino from 'pino';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { ensureHome } from './config/home.js';
import { systemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import type { AdminApi } from './protocol/admin/admin-api.js';
import { ServiceAdmin } from './protocol/admin/service-admin.js';
import type { ModelRuntime } from './runtime/model-runtime.js';
import { OnnxModelRuntime } from './runtime/onnx/onnx-model-runtime.js';
import { Dataplane } from './services/dataplane.js';
import { DeploymentService } from './services/deployment-service.js';
import { RegistryService } from './services/registry-service.js';
import { Metrics } from './services/metrics.js';
import { InferenceRunner } from './services/inference-runner.js';
import { openResponseCache } from './storage/response-cache-backends.js';
import { ServingPool } from './services/serving-pool.js';
import { VersionGuard } from './services/resilience/version-guard.js';
import { FallbackChain } from './services/resilience/fallback-chain.js';
import { LastGoodCache } from './services/resilience/last-good-cache.js';
import { DegradationTracker } from './services/resilience/degradation.js';
import { ThrottledWarning } from './storage/redis/throttled-warning.js';
import type { ArtifactStore } from './storage/artifact-store.js';
import { openAlertStore, openArtifactStore, openPredictionLog, openRegistryStore } from './storage/backends.js';
import type { AlertStore } from './storage/alert-store.js';
import { AlertRuleService } from './services/alert-rules.js';
import type { PredictionLog } from './storage/prediction-log.js';
import { WorkerLogWriter } from './storage/worker/worker-log-writer.js';
import { PredictionLogger } from './services/prediction-logger.js';
import { DriftService } from './services/drift-service.js';
import { AlertEvaluator, registryBaselines } from './services/alerts.js';
import { Monitor } from './services/monitor.js';
import { LogModelSignals } from './services/prediction-stats.js';
import { RolloutAnalysis } from './services/rollout/rollout-analysis.js';
import { RolloutController } from './services/rollout/rollout-controller.js';
import { createPredictionServices } from './services/prediction-services.js';
import type { PredictionServices } from './services/prediction-services.js';
import type { RegistryStore } from './storage/registry-store.js';

/**
 * The composition root: builds Mooring's object graph from a Config. The server and the CLI's local mode both
 * start here, so they run the same services over the same backends; which backend is chosen by the configured URLs.
 */

/** Everything a process needs to run Mooring in-process. */
export interface MooringContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: RegistryStore;
  readonly artifacts: ArtifactStore;
  readonly runtime: ModelRuntime;
  readonly registry: RegistryService;
  /** Deployment policies (the one writer of them). */
  readonly deployments: DeploymentService;
  readonly pool: ServingPool;
  readonly dataplane: Dataplane;
  /** Recent fallbacks and circuit moves per model, for `/api/health`. */
  readonly degradation: DegradationTracker;
  /** The server's Prometheus metrics. */
  readonly metrics: Metrics;
  /** Where predictions are stored (queried by the CLI and monitoring). */
  readonly predictionLog: PredictionLog;
  /** The batching writer the data plane hands predictions to; null when `predictionLog.enabled` is false. */
  readonly predictions: PredictionLogger | null;
  /** The read side of the log: feedback, live accuracy, error rate and latency (what the admin API and signals use). */
  readonly predictionServices: PredictionServices;
  /** Alert rules, states, history, deliveries and the evaluator lease (the AlertEvaluator's store). */
  readonly alertStore: AlertStore;
  /** Alert rules and current alerts (the admin API's side; evaluation is AlertEvaluator's). */
  readonly alertRules: AlertRuleService;
  /** Drift reports and the drift signals, computed from the prediction log against each version's profile. */
  readonly drift: DriftService;
  /** The monitoring loop (gauges, alert evaluation); the server starts it, `POST /api/monitoring/run` runs a round. */
  readonly monitor: Monitor;
  /** Canary rollouts: started and moved by hand through it; the server runs its loop (`startLoop`). */
  readonly rollouts: RolloutController;
  /** An AdminApi acting as `actor` (default: the context's own actor). */
  adminAs(actor: string): AdminApi;
  /** AdminApi for this process's own user. */
  readonly admin: AdminApi;
  /** Stops the pool and closes the stores. */
  close(): Promise<void>;
}

/** Options for `openContext`. */
export interface OpenContextOptions {
  logger?: Logger;
  clock?: Clock;
  /** The actor recorded on audit records written through `admin` (default `cli:<user>`). */
  actor?: string;
  /** Replaces the ONNX runtime (tests inject faulty runtimes through this). */
  runtime?: ModelRuntime;
  /**
   * Write an embedded SQLite prediction log from a worker thread (the server does; short-lived contexts such as the
   * CLI's write from their own thread and skip the worker's start-up).
   */
  logWriterThread?: boolean;
  /** Whether to collect Node process metrics (default true; the CLI's short-lived contexts turn it off). */
  processMetrics?: boolean;
}

/** Builds the context; the caller owns it and must `close()` it. */
export async function openContext(config: Config, options: OpenContextOptions = {}): Promise<MooringContext> {
  ensureHome(config.home);
  const logger = options.logger ?? pino({ level: config.log.level === 'info' ? 'warn' : config.log.level }, pino.destination(2));
  const clock = options.clock ?? systemClock;
  const store = await openRegistryStore(config.registry.url, { clock });
  const artifacts = await openArtifactStore(config.artifacts.url);
  const runtime = options.runtime ?? new OnnxModelRuntime();
  const registry = new RegistryService(store, artifacts, runtime);
  const metrics = new Metrics({ processMetrics: options.processMetrics !== false });
  const versionMetrics = config.metrics.enabled ? metrics : null;
  const responseCache = await openResponseCache(config.cache.url, {
    maxBytes: config.cache.maxBytes,
    keyPrefix: config.cache.keyPrefix,
    logger,
  });
  const degradation = new DegradationTracker(clock);
  const pool = new ServingPool({
    store,
    artifacts,
    runtime,
    clock,
    logger,
    loadOptions: { intraOpThreads: config.runtime.intraOpThreads },
    unloadGraceMs: config.runtime.unloadGraceMs,
    syncIntervalMs: config.registry.syncIntervalMs,
    resolve: (ref) => registry.resolve(ref),
    maxStringLength: config.limits.maxStringLength,
    runnerFor: (meta, model, policy, guard) =>
      new InferenceRunner(meta, model, policy, {
        cache: responseCache,
        metrics: versionMetrics?.forVersion(meta.name, String(meta.version)) ?? null,
        guard,
        onBatchingProblem: (reason) => logger.warn({ model: meta.name, version: meta.version, reason }, 'adaptive batching is off for this version'),
      }),
    guardFor: (meta, settings) =>
      new VersionGuard(settings, `${meta.name} version ${meta.version}`, {
        onCircuit: (phase, cause) => {
          degradation.circuit(meta.name, meta.version, phase, cause);
          versionMetrics?.circuit(meta.name, String(meta.version), phase);
          const log = { model: meta.name, version: meta.version, circuit: phase, cause };
          if (phase === 'open') logger.warn(log, 'circuit breaker opened: requests skip the model');
          else logger.info(log, `circuit breaker ${phase === 'closed' ? 'closed' : 'half-open'}`);
        },
        onShed: () => versionMetrics?.shedRequests.labels(meta.name, String(meta.version)).inc(),
      }),
  });
  registry.setProductionGate(pool);
  const deployments = new DeploymentService(store, registry);
  // A change made through this process reaches its own pool at once (other processes see it by polling).
  const resync = (): Promise<void> =>
    pool.sync().catch((e: unknown) => logger.error({ err: (e as Error).message }, 'registry sync failed'));
  registry.onChange(() => void resync());
  deployments.onChange(resync);
  const predictionLog = await openPredictionLog(config.predictionLog.url);
  await predictionLog.migrate();
  const days = config.predictionLog.retentionDays;
  // An embedded SQLite file is written from a worker thread: the main thread only encodes each batch, and SQLite's
  // several µs per prediction are spent beside the requests instead of between them (ADR 11, ADR 12).
  const logUrl = config.predictionLog.url;
  const writer =
    options.logWriterThread === true && config.predictionLog.enabled && logUrl.startsWith('sqlite:///') ? new WorkerLogWriter(logUrl) : null;
  const predictions = config.predictionLog.enabled
    ? new PredictionLogger({
        log: writer ?? predictionLog,
        logger,
        clock,
        flushIntervalMs: config.predictionLog.flushIntervalMs,
        retentionMs: days > 0 ? days * 86_400_000 : null,
      })
    : null;
  const lastGood = new LastGoodCache(responseCache);
  // Under load every request may exhaust the chain: one log line per interval, with the count held back.
  const exhaustedWarning = new ThrottledWarning(logger, 'no fallback could answer', 10_000, clock);
  const fallbacks = new FallbackChain({
    pool,
    versionMeta: (name, version) => store.getVersion(name, version),
    lastGood,
    events: {
      onServed: (model, kind, reason) => {
        degradation.served(model, kind, reason);
        versionMetrics?.fallbacks.labels(model, kind, reason).inc();
      },
      onExhausted: (model, reason, tried) => {
        degradation.exhausted(model, reason);
        versionMetrics?.fallbacksExhausted.labels(model, reason).inc();
        exhaustedWarning.note({ model, reason, tried });
      },
    },
  });
  versionMetrics?.observeCanaries(() => pool.canaries());
  const dataplane = new Dataplane(pool, clock, versionMetrics, predictions, { fallbacks, lastGood });
  const predictionServices = createPredictionServices(predictionLog, store, clock);
  const alertStore = await openAlertStore(config.alerts.url, { clock });
  const alertRules = new AlertRuleService(alertStore, { clock });
  const drift = new DriftService({ registry, log: predictionLog, clock });
  const rollouts = new RolloutController({
    deployments,
    registry,
    analysis: new RolloutAnalysis({ log: predictionLog, stats: predictionServices.stats, accuracy: predictionServices.accuracy, store }),
    leases: alertStore,
    alertRules,
    logger,
    clock,
  });
  const signals = new LogModelSignals({ stats: predictionServices.stats, accuracy: predictionServices.accuracy, store, clock, drift, rollouts });
  const interval = config.alerts.evaluationIntervalMs;
  const evaluator = config.alerts.enabled
    ? new AlertEvaluator({
        store: alertStore,
        signals,
        baselines: registryBaselines(registry),
        logger,
        clock,
        leaseTtlMs: Math.max(30_000, 3 * interval),
        delivery: { timeoutMs: config.alerts.webhookTimeoutMs, maxAttempts: config.alerts.maxAttempts },
      })
    : null;
  const monitor = new Monitor({
    pool,
    drift,
    accuracy: predictionServices.accuracy,
    alertRules,
    evaluator,
    metrics,
    clock,
    logger,
    windowMs: config.monitoring.windowMs,
  });
  const adminAs = (actor: string): AdminApi =>
    new ServiceAdmin(registry, deployments, dataplane, actor, predictionServices, alertRules, drift, rollouts);
  let closed = false;
  return {
    config,
    logger,
    clock,
    store,
    artifacts,
    runtime,
    registry,
    deployments,
    pool,
    dataplane,
    degradation,
    metrics,
    predictionLog,
    predictions,
    predictionServices,
    alertStore,
    alertRules,
    drift,
    monitor,
    rollouts,
    adminAs,
    admin: adminAs(options.actor ?? `cli:${process.env.USER ?? 'unknown'}`),
    async close() {
      if (closed) return;
      closed = true;
      await rollouts.stop();
      await monitor.stop();
      await evaluator?.stop();
      await pool.stop();
      // Everything answered before close is written before the log closes.
      await predictions?.close();
      await responseCache.close();
      await writer?.close();
      await predictionLog.close();
      await alertStore.close();
      await store.close();
    },
  };
}
