import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { alertNotification } from '../core/monitoring/alert-notification.js';
import { baselineMetricKey, formatDuration, formatValue, ruleCondition, ruleOp, signalLabel } from '../core/monitoring/alert-rule.js';
import type { AlertRule } from '../core/monitoring/alert-rule.js';
import { advanceAlert, initialAlertState } from '../core/monitoring/alert-state.js';
import type { AlertEvent, AlertState, AlertStep, Observation } from '../core/monitoring/alert-state.js';
import type { ModelSignals, SignalWindow } from '../core/monitoring/signals.js';
import type { Random } from '../core/random.js';
import { LeasedLoop } from './leased-loop.js';
import type { Scheduler } from '../core/scheduler.js';
import { systemScheduler } from '../core/scheduler.js';
import type { ModelVersion } from '../core/registry/types.js';
import type { AlertStore, EvaluationWrite } from '../storage/alert-store.js';
import { AlertDeliverer } from './alert-delivery.js';
import type { AlertLogger, DeliveryOptions } from './alert-delivery.js';

export type { AlertLogger, DeliveryOptions } from './alert-delivery.js';

/**
 * The alert evaluator: every interval it reads the rules, asks ModelSignals for each rule's number, advances each
 * alert's state machine (src/core/monitoring/alert-state.ts), and stores the round (states, events, queued
 * notifications) in one transaction; the deliverer then sends the notifications in the background.
 *
 * With several replicas on one database only the holder of the store's lease evaluates and notifies; the others
 * skip their rounds and take over when the holder stops renewing (it crashed) or releases the lease (it stopped).
 * Rounds are fenced: a round computed by a process whose lease ran out meanwhile is not written.
 */

/** The registered metrics of a version, for accuracy rules with a baseline. */
export interface BaselineSource {
  /**
   * The value of metric `key` the version was registered with: `version`, or the version serving `production`
   * now when null. Null when the model, version or metric is unknown.
   */
  registeredMetric(model: string, version: number | null, key: string): Promise<{ version: number; value: number } | null>;
}

/** A BaselineSource over the registry: resolves the version (production when none) and reads its metrics. */
export function registryBaselines(registry: { resolve(ref: string): Promise<ModelVersion> }): BaselineSource {
  return {
    async registeredMetric(model, version, key) {
      let v: ModelVersion;
      try {
        v = await registry.resolve(version === null ? model : `${model}/${version}`);
      } catch {
        return null;
      }
      const value = Object.hasOwn(v.metrics, key) ? v.metrics[key] : undefined;
      return value === undefined || !Number.isFinite(value) ? null : { version: v.version, value };
    },
  };
}

/** What AlertEvaluator needs. */
export interface AlertEvaluatorOptions {
  readonly store: AlertStore;
  readonly signals: ModelSignals;
  /** Where baseline rules read the registered metric; without it such rules report an error. */
  readonly baselines?: BaselineSource;
  /** Log notifications and evaluation or delivery problems (a pino logger fits). */
  readonly logger: AlertLogger;
  readonly clock?: Clock;
  /** Timers of the evaluation loop, retries and webhook timeouts (tests drive a manual one). */
  readonly scheduler?: Scheduler;
  /** Jitter of retry backoff (default Math.random). */
  readonly random?: Random;
  /** This process's name in the lease (default `host:pid:random`). */
  readonly holder?: string;
  /** The lease's name: evaluators sharing it share the work (default `alerts`). */
  readonly leaseName?: string;
  /** How long a lease lasts without renewal (default: 3 evaluation intervals, at least 30 s; 60 s before start). */
  readonly leaseTtlMs?: number;
  /** Rules evaluated at once (default 4): signals read the prediction log, so a few at a time. */
  readonly concurrency?: number;
  /** Webhook timeout and retries. */
  readonly delivery?: DeliveryOptions;
}

/** What one evaluation round did. */
export interface EvaluationReport {
  /** Whether this process held the lease and wrote the round. */
  readonly leader: boolean;
  /** Rules evaluated (0 when not the leader). */
  readonly evaluated: number;
  /** The changes of state of this round. */
  readonly events: readonly AlertEvent[];
  /** Notifications queued. */
  readonly notifications: number;
}

const NOT_LEADER: EvaluationReport = { leader: false, evaluated: 0, events: [], notifications: 0 };

/** Evaluates alert rules, stores their states and history, and notifies; see the file comment. */
export class AlertEvaluator {
  readonly #store: AlertStore;
  readonly #signals: ModelSignals;
  readonly #baselines: BaselineSource | null;
  readonly #logger: AlertLogger;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #leaseName: string;
  readonly #loop: LeasedLoop;
  readonly #concurrency: number;
  readonly #deliverer: AlertDeliverer;

  constructor(options: AlertEvaluatorOptions) {
    this.#store = options.store;
    this.#signals = options.signals;
    this.#baselines = options.baselines ?? null;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#leaseName = options.leaseName ?? 'alerts';
    this.#loop = new LeasedLoop({
      leases: this.#store,
      name: this.#leaseName,
      ...(options.holder === undefined ? {} : { holder: options.holder }),
      ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
      defaultTtlMs: 60_000,
      clock: this.#clock,
      scheduler: this.#scheduler,
      logger: this.#logger,
      what: 'alert evaluation',
    });
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#deliverer = new AlertDeliverer({
      store: this.#store,
      logger: this.#logger,
      clock: this.#clock,
      scheduler: this.#scheduler,
      ...(options.random === undefined ? {} : { random: options.random }),
      // Only while the lease is ours by this process's clock: a deposed evaluator stops sending.
      mayDeliver: () => this.#loop.held(),
      ...(options.delivery ?? {}),
    });
  }

  /** This process's name in the lease. */
  get holder(): string {
    return this.#loop.holder;
  }

  /**
   * One round at time `now`: takes or renews the lease (or returns `leader: false`), evaluates every rule, writes
   * the round in one transaction and starts delivering what it queued. Signal failures are per rule (health
   * `error`); a store failure rejects.
   */
  async evaluate(now: number = this.#clock()): Promise<EvaluationReport> {
    if (!(await this.#loop.acquire())) return NOT_LEADER;
    const [rules, states] = await Promise.all([this.#store.listRules(), this.#store.listStates()]);
    const prev = new Map(states.map((s) => [s.rule, s]));
    const writes: EvaluationWrite[] = [];
    const events: AlertEvent[] = [];
    let notifications = 0;
    await eachLimited(
      rules.map((r) => r.rule),
      this.#concurrency,
      async (rule) => {
        const before = prev.get(rule.name) ?? initialAlertState(rule.name);
        if (!rule.enabled && before.state !== 'pending' && before.state !== 'firing') return;
        const step = advanceAlert(rule, before, rule.enabled ? await this.#observe(rule) : { kind: 'disabled' }, now);
        const deliveries = this.#notifications(rule, step, now);
        writes.push({ state: step.state, event: step.event, deliveries });
        if (step.event !== null) events.push(step.event);
        notifications += deliveries.length;
      },
    );
    if (!(await this.#store.recordEvaluations(writes, { name: this.#leaseName, holder: this.#loop.holder }))) {
      this.#loop.lost();
      this.#logger.warn({ holder: this.#loop.holder }, 'alert evaluation round dropped: the lease moved to another replica');
      return NOT_LEADER;
    }
    for (const e of events) this.#logger.info({ alert: e.rule, from: e.from, to: e.to, value: e.value }, `alert ${e.rule} ${e.from} -> ${e.to}: ${e.message}`);
    this.#deliverer.kick();
    return { leader: true, evaluated: writes.length, events, notifications };
  }

  /**
   * Evaluates every `intervalMs` (the first round at once), until `stop`. Rounds never overlap: the next is
   * scheduled when one ends. The lease lasts 3 intervals (at least 30 s) unless `leaseTtlMs` was given.
   */
  start(intervalMs: number): void {
    this.#loop.start(intervalMs, () => this.evaluate());
  }

  /**
   * Stops the loop, waits for the round and the deliveries in flight, and releases the lease so another replica
   * takes over at once. Notifications still pending stay in the store for whoever evaluates next.
   */
  async stop(): Promise<void> {
    await this.#loop.stop(() => this.#deliverer.stop());
  }

  /** Resolves when no notification is being delivered (tests; it does not wait for scheduled retries). */
  idle(): Promise<void> {
    return this.#deliverer.idle();
  }

  /** Sends due notifications now (normally each round does), e.g. after a restart. */
  deliverDue(): void {
    this.#deliverer.kick();
  }

  async #observe(rule: AlertRule): Promise<Observation> {
    const w: SignalWindow = { model: rule.model, windowMs: rule.windowMs, ...(rule.version === null ? {} : { version: rule.version }) };
    let trained: number | null = null;
    try {
      const key = baselineMetricKey(rule);
      if (key !== null) {
        if (this.#baselines === null) return { kind: 'error', message: 'baseline rules need registered metrics, and none are available here' };
        const found = await this.#baselines.registeredMetric(rule.model, rule.version, key);
        const which = rule.version === null ? 'the production version' : `version ${rule.version}`;
        if (found === null) return { kind: 'no_data', reason: `${which} of ${rule.model} has no registered metric ${JSON.stringify(key)}` };
        trained = found.value;
      }
      const value = await this.#read(rule, w);
      if (value === null) return { kind: 'no_data', reason: `no data for ${signalLabel(rule)} in the last ${formatDuration(rule.windowMs)}` };
      if (!Number.isFinite(value)) return { kind: 'error', message: `${signalLabel(rule)} is ${String(value)}` };
      return { kind: 'value', value, condition: ruleCondition(rule, trained)! };
    } catch (e) {
      this.#logger.warn({ alert: rule.name, err: (e as Error).message }, 'alert rule evaluation failed');
      return { kind: 'error', message: (e as Error).message || String(e) };
    }
  }

  #read(rule: AlertRule, w: SignalWindow): Promise<number | null> {
    const s = this.#signals;
    switch (rule.signal) {
      case 'error_rate':
        return s.errorRate(w);
      case 'latency_p99_ms':
        return s.latencyP99Ms(w);
      case 'accuracy':
        return s.accuracy(w, rule.metric!);
      case 'drift_share':
        return s.driftShare(w);
      case 'column_drift':
        return s.columnDrift(w, rule.column!);
      case 'prediction_shift':
        return s.predictionShift(w);
      case 'rollout_rolled_back':
        return s.rolloutRolledBack(w);
    }
  }

  #notifications(rule: AlertRule, step: AlertStep, now: number): EvaluationWrite['deliveries'] {
    if (step.notify === null) return [];
    const s: AlertState = step.state;
    const message =
      step.event?.message ??
      `${rule.model} ${signalLabel(rule)} ${formatValue(s.value ?? 0)} ${ruleOp(rule)} ${formatValue(s.threshold ?? 0)}: still firing since ${new Date(s.firedAt ?? now).toISOString()}`;
    const notification = alertNotification(rule, s, step.notify, message, step.repeat);
    return rule.notify.map((channel) => ({ channel, notification }));
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
