import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { MooringError } from '../core/errors.js';
import type { AccuracyService } from './accuracy-service.js';
import type { AlertRuleService } from './alert-rules.js';
import type { AlertEvaluator } from './alerts.js';
import type { DriftService } from './drift-service.js';
import type { Metrics } from './metrics.js';
import type { ServingPool } from './serving-pool.js';

/**
 * The server's monitoring loop: every interval it computes, for each model's production version, drift against the
 * training profile and live accuracy over the trailing window (both from the prediction log), exports them as
 * gauges, runs one alert evaluation round, and exports the alerts' states. Nothing here runs on the request path.
 *
 * Drift and accuracy gauges describe what this process computed; every replica computes the same numbers from the
 * shared log, and only the replica holding the alert lease evaluates and notifies.
 */

/** What the monitor needs. */
export interface MonitorOptions {
  readonly pool: ServingPool;
  readonly drift: DriftService;
  readonly accuracy: AccuracyService;
  readonly alertRules: AlertRuleService;
  /** Null when alert evaluation is off (`alerts.enabled: false`). */
  readonly evaluator: AlertEvaluator | null;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The trailing window drift and accuracy are computed over. */
  readonly windowMs: number;
}

/** What one round found, for `POST /api/monitoring/run` and tests. */
export interface MonitorRound {
  readonly at: number;
  readonly models: readonly { model: string; version: number; driftShare: number | null; accuracy: Readonly<Record<string, number | null>> }[];
  readonly alerts: { readonly leader: boolean; readonly evaluated: number; readonly events: number };
}

export class Monitor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<MonitorRound> | null = null;

  constructor(private readonly o: MonitorOptions) {}

  /** Runs one round now (rounds never overlap: a call during one waits for it). */
  run(): Promise<MonitorRound> {
    this.running ??= this.round().finally(() => (this.running = null));
    return this.running;
  }

  /** Runs a round every `intervalMs` (timer unref'd: it never keeps the process alive). */
  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.run().catch((e: unknown) => this.o.logger.error({ err: (e as Error).message }, 'monitoring round failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the loop and waits for a round in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async round(): Promise<MonitorRound> {
    const at = this.o.clock();
    this.o.drift.clearSignalCache();
    const models: MonitorRound['models'][number][] = [];
    for (const s of this.o.pool.status()) {
      if (s.production === null) continue;
      const driftShare = await this.exportDrift(s.name, s.production);
      const accuracy = await this.exportAccuracy(s.name, s.production, at);
      models.push({ model: s.name, version: s.production, driftShare, accuracy });
    }
    const report = this.o.evaluator ? await this.o.evaluator.evaluate(at) : { leader: false, evaluated: 0, events: [] };
    await this.exportAlerts();
    return { at, models, alerts: { leader: report.leader, evaluated: report.evaluated, events: report.events.length } };
  }

  private async exportDrift(model: string, version: number): Promise<number | null> {
    const label = String(version);
    try {
      const r = await this.o.drift.report({ model, version, windowMs: this.o.windowMs });
      if (r.current_rows === 0) return null;
      for (const c of r.columns) {
        if (c.statistic === null) continue;
        this.o.metrics.driftScore.labels(model, label, c.name, c.method).set(c.statistic);
        this.o.metrics.driftDetected.labels(model, label, c.name).set(c.drift ? 1 : 0);
      }
      this.o.metrics.driftShare.labels(model, label).set(r.drift_share);
      return r.drift_share;
    } catch (e) {
      // A version registered without reference data has no drift to report; anything else is worth a line.
      if (!(e instanceof MooringError && e.code === 'PROFILE_NOT_FOUND')) {
        this.o.logger.warn({ model, version, err: (e as Error).message }, 'drift could not be computed');
      }
      return null;
    }
  }

  private async exportAccuracy(model: string, version: number, now: number): Promise<Record<string, number | null>> {
    const out: Record<string, number | null> = {};
    try {
      const r = await this.o.accuracy.report({ model, version, since: now - this.o.windowMs, until: now + 1 });
      const v = r.versions.find((x) => x.version === version);
      if (!v || v.labelled === 0) return out;
      for (const [metric, value] of Object.entries(v.metrics)) {
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        out[metric] = value;
        this.o.metrics.accuracy.labels(model, String(version), metric).set(value);
      }
    } catch (e) {
      this.o.logger.warn({ model, version, err: (e as Error).message }, 'live accuracy could not be computed');
    }
    return out;
  }

  private async exportAlerts(): Promise<void> {
    try {
      const alerts = await this.o.alertRules.alerts();
      this.o.metrics.alerts.reset();
      for (const a of alerts) {
        if (a.state.state === 'pending' || a.state.state === 'firing') {
          this.o.metrics.alerts.labels(a.rule.name, a.rule.model, a.rule.severity, a.state.state).set(1);
        }
      }
    } catch (e) {
      this.o.logger.warn({ err: (e as Error).message }, 'alert states could not be read');
    }
  }
}
