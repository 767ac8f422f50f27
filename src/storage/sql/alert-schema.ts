import type { Generated } from 'kysely';

/**
 * The alert store's tables as Kysely sees them. Dialect-neutral like the registry's: JSON is text (rules, channels,
 * notifications), times are bigint epoch milliseconds, booleans do not appear (a rule's `enabled` lives in its
 * JSON). Every table name starts with `alert_`, so the store can share a database with the registry and the log.
 */

/** `alert_rule`: one row per rule; `rule` is the whole validated rule as JSON. */
export interface AlertRuleTable {
  name: string;
  model: string;
  rule: string;
  created_at: number;
  updated_at: number;
  updated_by: string;
}

/** `alert_rule_change`: append-only audit of rule changes. */
export interface AlertRuleChangeTable {
  id: Generated<number>;
  name: string;
  action: string;
  /** The rule after the change (JSON), null for a deletion. */
  rule: string | null;
  actor: string;
  reason: string | null;
  at: number;
}

/** `alert_state`: one row per evaluated rule, removed with the rule. */
export interface AlertStateTable {
  rule: string;
  state: string;
  active_at: number | null;
  fired_at: number | null;
  resolved_at: number | null;
  value: number | null;
  threshold: number | null;
  evaluated_at: number | null;
  health: string;
  last_error: string | null;
  notified_at: number | null;
  event_id: number | null;
}

/** `alert_event`: append-only history of state changes (no foreign keys: history outlives its rule). */
export interface AlertEventTable {
  id: Generated<number>;
  rule: string;
  model: string;
  signal: string;
  severity: string;
  from_state: string;
  to_state: string;
  at: number;
  value: number | null;
  threshold: number | null;
  message: string;
}

/** `alert_delivery`: the outbox; one row per notification and channel. */
export interface AlertDeliveryTable {
  id: Generated<number>;
  event_id: number | null;
  rule: string;
  /** The channel (JSON), kept so a delivery survives its rule's deletion or change. */
  channel: string;
  target: string;
  /** The AlertNotification (JSON). */
  notification: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** `alert_lease`: who evaluates (one row per lease name). */
export interface AlertLeaseTable {
  name: string;
  holder: string;
  acquired_at: number;
  expires_at: number;
}

/** The alert store's database, for `Kysely<AlertDatabase>`. */
export interface AlertDatabase {
  alert_rule: AlertRuleTable;
  alert_rule_change: AlertRuleChangeTable;
  alert_state: AlertStateTable;
  alert_event: AlertEventTable;
  alert_delivery: AlertDeliveryTable;
  alert_lease: AlertLeaseTable;
}
