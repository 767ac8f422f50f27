import { formatDuration, formatValue, holds, signalLabel } from './alert-rule.js';
import type { AlertCondition, AlertRule, AlertSeverity, AlertSignal } from './alert-rule.js';

/**
 * The life of one alert, as a pure state machine (Prometheus semantics, Grafana's "keep last state" for no data):
 *
 * ```
 *   inactive/resolved --true, for = 0--> firing
 *   inactive/resolved --true, for > 0--> pending --true, held for `for`--> firing --false--> resolved
 *                                        pending --false--> inactive
 * ```
 * `resolved` behaves as `inactive` (the next true evaluation starts over) but says that the alert fired and ended.
 * No data (the signal had nothing to say, or a baseline metric is missing) and a failed evaluation change nothing:
 * the state, its times and its last value stay, and only `health` says why, so a model that stops getting traffic
 * neither resolves a firing alert nor starts one. Disabling a rule ends it: pending goes inactive, firing resolves.
 * Every change of state is an event; changes to and from `firing` are the ones notified.
 */

/** The states of an alert. */
export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved'] as const;
/** One state. */
export type AlertStateName = (typeof ALERT_STATES)[number];

/** How the last evaluation went: a value, no data, or a failure (the rule's own problem or the signal's). */
export const ALERT_HEALTHS = ['ok', 'no_data', 'error'] as const;
/** One health. */
export type AlertHealth = (typeof ALERT_HEALTHS)[number];

/** The current state of one rule's alert. Times are epoch milliseconds. */
export interface AlertState {
  readonly rule: string;
  readonly state: AlertStateName;
  /** When the condition became true (start of pending, or of firing when `for` is 0); null unless pending or firing. */
  readonly activeAt: number | null;
  /** When the alert last started firing (`starts_at` of its notifications). */
  readonly firedAt: number | null;
  /** When the alert last resolved (`ends_at`). */
  readonly resolvedAt: number | null;
  /** The last value the signal had (kept through no data). */
  readonly value: number | null;
  /** The threshold of the last evaluation that had a value. */
  readonly threshold: number | null;
  /** When the rule was last evaluated. */
  readonly evaluatedAt: number | null;
  readonly health: AlertHealth;
  /** Why the last evaluation had no value (no data or error), else null. */
  readonly lastError: string | null;
  /** When a firing notification was last queued (for `repeatIntervalMs`). */
  readonly notifiedAt: number | null;
  /** Id of the stored event that last changed the state (set by the store; repeats of a firing alert refer to it). */
  readonly eventId: number | null;
}

/** A change of state, as stored in the alert history. */
export interface AlertEvent {
  readonly rule: string;
  readonly model: string;
  readonly signal: AlertSignal;
  readonly severity: AlertSeverity;
  readonly from: AlertStateName;
  readonly to: AlertStateName;
  readonly at: number;
  /** The value that caused the change (null when it was not a value: disabling a rule with no data). */
  readonly value: number | null;
  readonly threshold: number | null;
  readonly message: string;
}

/** What one evaluation of a rule found. */
export type Observation =
  /** The signal's value and the condition it is compared with. */
  | { readonly kind: 'value'; readonly value: number; readonly condition: AlertCondition }
  /** Nothing to compare: no traffic, no labels, no registered baseline metric... `reason` says which. */
  | { readonly kind: 'no_data'; readonly reason: string }
  /** The evaluation failed (a signal threw, returned NaN). */
  | { readonly kind: 'error'; readonly message: string }
  /** The rule is disabled. */
  | { readonly kind: 'disabled' };

/** What a step produced: the next state, the event when the state changed, and whether to notify. */
export interface AlertStep {
  readonly state: AlertState;
  readonly event: AlertEvent | null;
  /**
   * `firing` on the change to firing and on repeats (`repeat` true), `resolved` on the change from firing to
   * resolved, null otherwise.
   */
  readonly notify: 'firing' | 'resolved' | null;
  readonly repeat: boolean;
}

/** The state of a rule never evaluated. */
export function initialAlertState(rule: string): AlertState {
  return {
    rule,
    state: 'inactive',
    activeAt: null,
    firedAt: null,
    resolvedAt: null,
    value: null,
    threshold: null,
    evaluatedAt: null,
    health: 'ok',
    lastError: null,
    notifiedAt: null,
    eventId: null,
  };
}

/** One evaluation: the alert's next state from the previous one, what was observed, and the time. Pure. */
export function advanceAlert(rule: AlertRule, prev: AlertState, obs: Observation, now: number): AlertStep {
  if (obs.kind === 'disabled') return disable(rule, prev, now);
  if (obs.kind !== 'value') {
    const state: AlertState = {
      ...prev,
      evaluatedAt: now,
      health: obs.kind === 'no_data' ? 'no_data' : 'error',
      lastError: obs.kind === 'no_data' ? obs.reason : obs.message,
    };
    return { state, event: null, notify: null, repeat: false };
  }
  const { value, condition } = obs;
  const seen: AlertState = { ...prev, value, threshold: condition.threshold, evaluatedAt: now, health: 'ok', lastError: null };
  const describe = `${rule.model} ${signalLabel(rule)} ${formatValue(value)}`;
  const line = `${condition.op} ${formatValue(condition.threshold)}`;
  const change = (to: AlertState, message: string, notify: AlertStep['notify']): AlertStep => ({
    state: to,
    event: event(rule, prev.state, to.state, now, value, condition.threshold, message),
    notify,
    repeat: false,
  });

  if (holds(value, condition)) {
    switch (prev.state) {
      case 'inactive':
      case 'resolved':
        if (rule.forMs === 0) {
          return change({ ...seen, state: 'firing', activeAt: now, firedAt: now, notifiedAt: now }, `${describe} ${line}`, 'firing');
        }
        return change(
          { ...seen, state: 'pending', activeAt: now },
          `${describe} ${line}: pending, fires if it holds for ${formatDuration(rule.forMs)}`,
          null,
        );
      case 'pending': {
        const since = prev.activeAt ?? now;
        if (now - since < rule.forMs) return unchanged(seen);
        return change(
          { ...seen, state: 'firing', firedAt: now, notifiedAt: now },
          `${describe} ${line} for ${formatDuration(now - since)}`,
          'firing',
        );
      }
      case 'firing': {
        const last = prev.notifiedAt ?? prev.firedAt ?? now;
        if (rule.repeatIntervalMs > 0 && now - last >= rule.repeatIntervalMs) {
          return { state: { ...seen, notifiedAt: now }, event: null, notify: 'firing', repeat: true };
        }
        return unchanged(seen);
      }
    }
  }
  switch (prev.state) {
    case 'pending':
      return change(
        { ...seen, state: 'inactive', activeAt: null },
        `${describe} no longer ${line} (held ${formatDuration(now - (prev.activeAt ?? now))} of ${formatDuration(rule.forMs)})`,
        null,
      );
    case 'firing':
      return change({ ...seen, state: 'resolved', activeAt: null, resolvedAt: now }, `${describe} no longer ${line}: resolved`, 'resolved');
    case 'inactive':
    case 'resolved':
      return unchanged(seen);
  }
}

function unchanged(state: AlertState): AlertStep {
  return { state, event: null, notify: null, repeat: false };
}

function disable(rule: AlertRule, prev: AlertState, now: number): AlertStep {
  if (prev.state === 'pending') {
    const state: AlertState = { ...prev, state: 'inactive', activeAt: null };
    return { state, event: event(rule, 'pending', 'inactive', now, prev.value, prev.threshold, `rule ${rule.name} disabled while pending`), notify: null, repeat: false };
  }
  if (prev.state === 'firing') {
    const state: AlertState = { ...prev, state: 'resolved', activeAt: null, resolvedAt: now };
    const message = `rule ${rule.name} disabled while firing: resolved`;
    return { state, event: event(rule, 'firing', 'resolved', now, prev.value, prev.threshold, message), notify: 'resolved', repeat: false };
  }
  return unchanged(prev);
}

function event(
  rule: AlertRule,
  from: AlertStateName,
  to: AlertStateName,
  at: number,
  value: number | null,
  threshold: number | null,
  message: string,
): AlertEvent {
  return { rule: rule.name, model: rule.model, signal: rule.signal, severity: rule.severity, from, to, at, value, threshold, message };
}

/**
 * The event recorded when a rule is deleted while its alert is pending or firing (the alert ends with its rule;
 * a firing one is notified as resolved so receivers do not keep a page open forever). Null otherwise.
 */
export function deletionEvent(rule: AlertRule, state: AlertState, now: number): AlertEvent | null {
  if (state.state !== 'pending' && state.state !== 'firing') return null;
  const to: AlertStateName = state.state === 'firing' ? 'resolved' : 'inactive';
  const message = `rule ${rule.name} deleted while ${state.state}${to === 'resolved' ? ': resolved' : ''}`;
  return event(rule, state.state, to, now, state.value, state.threshold, message);
}

/** Order for showing alerts: firing, pending, resolved, inactive. */
export const STATE_ORDER: Readonly<Record<AlertStateName, number>> = { firing: 0, pending: 1, resolved: 2, inactive: 3 };
