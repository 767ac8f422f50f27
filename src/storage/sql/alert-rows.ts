import type { Insertable, Selectable } from 'kysely';
import type { AlertNotification } from '../../core/monitoring/alert-notification.js';
import type { AlertSeverity, AlertSignal } from '../../core/monitoring/alert-rule.js';
import type { AlertEvent, AlertHealth, AlertState, AlertStateName } from '../../core/monitoring/alert-state.js';
import { decodeChannel, decodeRule, deliveryTarget } from '../alert-store-codec.js';
import type { AlertDelivery, AlertRuleChange, DeliveryStatus, NewDelivery, StoredAlertEvent, StoredAlertRule } from '../alert-store.js';
import type { AlertDeliveryTable, AlertEventTable, AlertRuleChangeTable, AlertRuleTable, AlertStateTable } from './alert-schema.js';

/**
 * Rows of the alert tables <-> the domain. The text columns hold values the domain constrains (a state name, a
 * signal), written only from those values, so reading them back narrows the type without re-checking.
 */

/** A rule row as a StoredAlertRule. */
export function fromRuleRow(row: Selectable<AlertRuleTable>): StoredAlertRule {
  return { rule: decodeRule(row.rule), createdAt: row.created_at, updatedAt: row.updated_at, updatedBy: row.updated_by };
}

/** A change row as an AlertRuleChange. */
export function fromChangeRow(row: Selectable<AlertRuleChangeTable>): AlertRuleChange {
  return {
    id: Number(row.id),
    name: row.name,
    action: row.action as AlertRuleChange['action'],
    rule: row.rule === null ? null : decodeRule(row.rule),
    actor: row.actor,
    reason: row.reason,
    at: row.at,
  };
}

/** A state as its row. */
export function toStateRow(s: AlertState): AlertStateTable {
  return {
    rule: s.rule,
    state: s.state,
    active_at: s.activeAt,
    fired_at: s.firedAt,
    resolved_at: s.resolvedAt,
    value: s.value,
    threshold: s.threshold,
    evaluated_at: s.evaluatedAt,
    health: s.health,
    last_error: s.lastError,
    notified_at: s.notifiedAt,
    event_id: s.eventId,
  };
}

/** A state row as an AlertState. */
export function fromStateRow(row: Selectable<AlertStateTable>): AlertState {
  return {
    rule: row.rule,
    state: row.state as AlertStateName,
    activeAt: row.active_at,
    firedAt: row.fired_at,
    resolvedAt: row.resolved_at,
    value: row.value,
    threshold: row.threshold,
    evaluatedAt: row.evaluated_at,
    health: row.health as AlertHealth,
    lastError: row.last_error,
    notifiedAt: row.notified_at,
    eventId: row.event_id === null ? null : Number(row.event_id),
  };
}

/** An event as its row (the id is generated). */
export function toEventRow(e: AlertEvent): Insertable<AlertEventTable> {
  return {
    rule: e.rule,
    model: e.model,
    signal: e.signal,
    severity: e.severity,
    from_state: e.from,
    to_state: e.to,
    at: e.at,
    value: e.value,
    threshold: e.threshold,
    message: e.message,
  };
}

/** An event row as a StoredAlertEvent. */
export function fromEventRow(row: Selectable<AlertEventTable>): StoredAlertEvent {
  return {
    id: Number(row.id),
    rule: row.rule,
    model: row.model,
    signal: row.signal as AlertSignal,
    severity: row.severity as AlertSeverity,
    from: row.from_state as AlertStateName,
    to: row.to_state as AlertStateName,
    at: row.at,
    value: row.value,
    threshold: row.threshold,
    message: row.message,
  };
}

/** A new delivery's row: pending, due at once. */
export function toDeliveryRow(d: NewDelivery, rule: string, eventId: number | null, now: number): Insertable<AlertDeliveryTable> {
  return {
    event_id: eventId,
    rule,
    channel: JSON.stringify(d.channel),
    target: deliveryTarget(d.channel),
    notification: JSON.stringify(d.notification),
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    created_at: now,
    delivered_at: null,
  };
}

/** A delivery row as an AlertDelivery. */
export function fromDeliveryRow(row: Selectable<AlertDeliveryTable>): AlertDelivery {
  return {
    id: Number(row.id),
    eventId: row.event_id === null ? null : Number(row.event_id),
    rule: row.rule,
    channel: decodeChannel(row.channel),
    target: row.target,
    notification: JSON.parse(row.notification) as AlertNotification,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}
