import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { SentAlertNotification } from '../core/monitoring/alert-notification.js';
import type { WebhookChannel } from '../core/monitoring/alert-rule.js';
import type { Random } from '../core/random.js';
import type { Scheduler } from '../core/scheduler.js';
import { systemScheduler } from '../core/scheduler.js';
import type { AlertDelivery, AlertStore } from '../storage/alert-store.js';

/**
 * Sends queued alert notifications (the store's outbox) to their channels: webhooks by HTTP POST with a timeout and
 * retries (exponential backoff with jitter, bounded attempts), logs through the injected logger. Deliveries run in
 * the background: evaluation only queues them, so a slow or dead receiver never delays the next evaluation. A
 * delivery is claimed in the store before it is sent and its outcome written after, so a restart or another
 * replica resumes what was pending: at least once, never silently dropped before `maxAttempts`.
 */

/** Where alert notifications and delivery problems are logged; a pino logger fits. */
export interface AlertLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** How webhooks are retried. */
export interface DeliveryOptions {
  /** The longest one webhook request may take, connection included (default 10 s). */
  readonly timeoutMs?: number;
  /** Attempts per notification before it is given up as `failed` (default 10: about 8.5 minutes of retries). */
  readonly maxAttempts?: number;
  /** Pause before the first retry; doubles per attempt (default 1 s). */
  readonly initialBackoffMs?: number;
  /** Longest pause between attempts (default 5 min). */
  readonly maxBackoffMs?: number;
  /** Deliveries read from the store per pass (default 50). */
  readonly batchSize?: number;
}

/** What the deliverer needs. */
export interface AlertDelivererOptions extends DeliveryOptions {
  readonly store: AlertStore;
  readonly logger: AlertLogger;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Source of jitter (default Math.random). */
  readonly random?: Random;
  /** Whether this process may deliver now (the evaluator's lease); default always. */
  readonly mayDeliver?: () => boolean;
}

const DEFAULTS = { timeoutMs: 10_000, maxAttempts: 10, initialBackoffMs: 1000, maxBackoffMs: 300_000, batchSize: 50 } as const;

/** Statuses worth retrying: the receiver is down, overloaded or slow. Any other 4xx will not get better. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

/**
 * The pause after `attempts` failed attempts: `initial * 2^(attempts-1)`, capped, with "equal jitter" (half fixed,
 * half random) so replicas and alerts that failed together do not retry in lockstep, yet never retry at once.
 */
export function backoffMs(attempts: number, initialMs: number, maxMs: number, random: Random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** The notification deliverer; one per evaluator. */
export class AlertDeliverer {
  readonly #store: AlertStore;
  readonly #logger: AlertLogger;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #random: Random;
  readonly #mayDeliver: () => boolean;
  readonly #o: Required<DeliveryOptions>;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<() => void>();
  #pass: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(options: AlertDelivererOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#random = options.random ?? Math.random;
    this.#mayDeliver = options.mayDeliver ?? (() => true);
    this.#o = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      initialBackoffMs: options.initialBackoffMs ?? DEFAULTS.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULTS.maxBackoffMs,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
    };
  }

  /** Starts a pass over the due deliveries in the background (or another one after the running pass). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#pass !== null) {
      this.#again = true;
      return;
    }
    this.#pass = this.#run().finally(() => {
      this.#pass = null;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  /** Resolves when no pass runs and no delivery is in flight (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.#pass !== null || this.#inFlight.size > 0) {
      await Promise.allSettled([this.#pass, ...this.#inFlight]);
    }
  }

  /** Stops scheduling retries and waits for deliveries in flight; what is still pending stays in the store. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    await this.idle();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopped && this.#mayDeliver()) {
        const now = this.#clock();
        const due = await this.#store.dueDeliveries(now, this.#o.batchSize);
        let started = 0;
        for (const d of due) {
          // Claimed past the timeout: a delivery being sent is not picked up again unless this process dies.
          if (!(await this.#store.claimDelivery(d.id, now, now + this.#o.timeoutMs * 2 + 1000))) continue;
          started++;
          const p = this.#deliver(d).finally(() => this.#inFlight.delete(p));
          this.#inFlight.add(p);
        }
        if (due.length < this.#o.batchSize || started === 0) break;
      }
    } catch (e) {
      this.#logger.error({ err: (e as Error).message }, 'alert notifications could not be read from the store');
    }
  }

  async #deliver(d: AlertDelivery): Promise<void> {
    const sent: SentAlertNotification = { ...d.notification, event_id: d.eventId, notification_id: d.id };
    let error: string | null;
    let retry = true;
    if (d.channel.type === 'log') {
      this.#log(sent);
      error = null;
    } else {
      ({ error, retry } = await this.#post(d.channel, sent));
    }
    const at = this.#clock();
    const attempts = d.attempts + 1;
    const where = { alert: d.notification.alert, notification_id: d.id, target: d.target, attempts };
    try {
      if (error === null) {
        await this.#store.finishAttempt(d.id, { ok: true, at });
        return;
      }
      if (!retry || attempts >= this.#o.maxAttempts) {
        await this.#store.finishAttempt(d.id, { ok: false, at, error, retryAt: null });
        this.#logger.error({ ...where, err: error }, 'alert notification failed: giving up');
        return;
      }
      const wait = backoffMs(attempts, this.#o.initialBackoffMs, this.#o.maxBackoffMs, this.#random);
      await this.#store.finishAttempt(d.id, { ok: false, at, error, retryAt: at + wait });
      this.#logger.warn({ ...where, err: error, retry_in_ms: wait }, 'alert notification failed: will retry');
      this.#retryIn(wait);
    } catch (e) {
      // The outcome is lost; the claim runs out and the delivery is sent again (at least once).
      this.#logger.error({ ...where, err: (e as Error).message }, 'alert notification outcome could not be stored');
    }
  }

  #retryIn(ms: number): void {
    if (this.#stopped) return;
    const cancel = this.#scheduler.after(ms, () => {
      this.#timers.delete(cancel);
      this.kick();
    });
    this.#timers.add(cancel);
  }

  async #post(channel: WebhookChannel, body: SentAlertNotification): Promise<{ error: string | null; retry: boolean }> {
    const controller = new AbortController();
    const timedOut = new Error(`timed out after ${this.#o.timeoutMs} ms`);
    const cancel = this.#scheduler.after(this.#o.timeoutMs, () => controller.abort(timedOut));
    try {
      const response = await fetch(channel.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'mooring-alerts', ...channel.headers },
        body: JSON.stringify(body),
        signal: controller.signal,
        // A redirect is a misconfigured URL; following it would send the alert (and its headers) elsewhere.
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { error: null, retry: false };
      const redirect = response.status >= 300 && response.status < 400;
      return { error: `HTTP ${response.status}${redirect ? ' (redirects are not followed)' : ''}`, retry: retryable(response.status) };
    } catch (e) {
      if (controller.signal.aborted) return { error: timedOut.message, retry: true };
      // Never the URL: it may carry a token. The cause names what failed (ECONNREFUSED, ENOTFOUND...).
      const err = e as { message?: string; cause?: { code?: string; message?: string } };
      return { error: err.cause?.code ?? err.cause?.message ?? err.message ?? String(e), retry: true };
    } finally {
      cancel();
    }
  }

  #log(n: SentAlertNotification): void {
    const fields = {
      alert: n.alert,
      status: n.status,
      model: n.model,
      signal: n.signal,
      value: n.value,
      threshold: n.threshold,
      severity: n.severity,
      starts_at: n.starts_at,
      ...(n.ends_at === undefined ? {} : { ends_at: n.ends_at }),
      notification_id: n.notification_id,
    };
    const text = `alert ${n.status}${n.repeat ? ' (still)' : ''}: ${n.alert}: ${n.message}`;
    if (n.status === 'resolved' || n.severity === 'info') this.#logger.info(fields, text);
    else if (n.severity === 'warning') this.#logger.warn(fields, text);
    else this.#logger.error(fields, text);
  }
}
