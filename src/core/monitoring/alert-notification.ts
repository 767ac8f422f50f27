import { ruleOp } from './alert-rule.js';
import type { AlertOp, AlertRule, AlertSeverity, AlertSignal } from './alert-rule.js';
import type { AlertState } from './alert-state.js';

/**
 * What a receiver gets: the JSON body of a webhook POST and the fields of a log line. Modelled on Alertmanager's
 * webhook (`status`, `startsAt`, `endsAt`, severity) but flat, one alert per notification, snake_case like the rest
 * of Mooring's wire. Delivery is at least once, so it carries `notification_id` (the same on every retry of one
 * notification) for receivers that must not act twice.
 */
export interface AlertNotification {
  readonly status: 'firing' | 'resolved';
  /** The rule's name. */
  readonly alert: string;
  readonly model: string;
  /** The watched version, or null for "whatever serves production". */
  readonly model_version: number | null;
  readonly signal: AlertSignal;
  readonly metric: string | null;
  readonly column: string | null;
  readonly op: AlertOp;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly severity: AlertSeverity;
  /** ISO-8601: when the alert started firing. */
  readonly starts_at: string;
  /** ISO-8601: when it resolved (only on `resolved`). */
  readonly ends_at?: string;
  readonly message: string;
  readonly description: string | null;
  /** True for a reminder that an alert is still firing (`repeat_interval_ms`). */
  readonly repeat: boolean;
}

/** A notification as sent: the stored notification plus the ids the store gave it. */
export interface SentAlertNotification extends AlertNotification {
  /** The history event this notification is about (null when it had none). */
  readonly event_id: number | null;
  /** Unique per notification and channel, stable across retries: receivers deduplicate on it. */
  readonly notification_id: number;
}

/** The notification for a step that notified (`status`), built from the rule, the new state and the event message. */
export function alertNotification(
  rule: AlertRule,
  state: AlertState,
  status: 'firing' | 'resolved',
  message: string,
  repeat: boolean,
): AlertNotification {
  const starts = state.firedAt ?? state.evaluatedAt ?? 0;
  return {
    status,
    alert: rule.name,
    model: rule.model,
    model_version: rule.version,
    signal: rule.signal,
    metric: rule.metric,
    column: rule.column,
    op: ruleOp(rule),
    value: state.value,
    threshold: state.threshold,
    severity: rule.severity,
    starts_at: new Date(starts).toISOString(),
    ...(status === 'resolved' && state.resolvedAt !== null ? { ends_at: new Date(state.resolvedAt).toISOString() } : {}),
    message,
    description: rule.description,
    repeat,
  };
}
