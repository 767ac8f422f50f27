import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { fail } from '../core/errors.js';
import { alertNotification } from '../core/monitoring/alert-notification.js';
import { parseAlertRule, ALERT_SEVERITIES } from '../core/monitoring/alert-rule.js';
import type { AlertRule } from '../core/monitoring/alert-rule.js';
import { deletionEvent, initialAlertState, STATE_ORDER } from '../core/monitoring/alert-state.js';
import type { AlertState } from '../core/monitoring/alert-state.js';
import type { Actor } from '../core/registry/types.js';
import type {
  AlertDelivery,
  AlertEventPage,
  AlertEventQuery,
  AlertRuleChange,
  AlertStore,
  PutRuleResult,
  StoredAlertRule,
} from '../storage/alert-store.js';

/** A rule and its alert's current state (the initial, inactive one when it was never evaluated). */
export interface AlertView {
  readonly rule: AlertRule;
  readonly state: AlertState;
}

/**
 * Alert rules and what they say now: the one writer of rules (validated here, stored with an audit record of
 * every change) and the reads the admin API and CLI show. Evaluation is AlertEvaluator's (src/services/alerts.ts);
 * this service needs only the store, so every process (server, CLI in local mode) can manage rules.
 */
export class AlertRuleService {
  readonly #store: AlertStore;
  readonly #clock: Clock;

  constructor(store: AlertStore, options: { clock?: Clock } = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
  }

  /** Every rule, by name. */
  listRules(): Promise<StoredAlertRule[]> {
    return this.#store.listRules();
  }

  /** One rule; ALERT_RULE_NOT_FOUND when there is none. */
  async getRule(name: string): Promise<StoredAlertRule> {
    const found = await this.#store.getRule(name);
    if (found === null) throw fail('ALERT_RULE_NOT_FOUND', `no alert rule is named ${JSON.stringify(name)}`, { name });
    return found;
  }

  /**
   * Creates or replaces a rule (INVALID_REQUEST naming the field when it is not valid). Replacing keeps the
   * alert's state: the next evaluation judges it by the new rule. A rule equal to the stored one writes nothing.
   */
  putRule(input: unknown, by: Actor): Promise<PutRuleResult> {
    return this.#store.putRule(parseAlertRule(input), by);
  }

  /**
   * Deletes a rule and its state; its history stays. An alert firing at that moment is resolved and notified as
   * such (with the deleted rule's channels), so receivers are not left with an alert that never ends.
   */
  async deleteRule(name: string, by: Actor): Promise<StoredAlertRule> {
    const { rule } = await this.getRule(name);
    const state = await this.#store.getState(name);
    const now = this.#clock();
    const event = state === null ? null : deletionEvent(rule, state, now);
    if (state === null || event === null) return this.#store.deleteRule(name, by);
    const deliveries =
      event.to === 'resolved'
        ? rule.notify.map((channel) => ({
            channel,
            notification: alertNotification(rule, { ...state, state: 'resolved', resolvedAt: now }, 'resolved', event.message, false),
          }))
        : [];
    return this.#store.deleteRule(name, by, { event, deliveries });
  }

  /** Every rule with its state: firing first, then pending, resolved, inactive; critical before warning before info. */
  async alerts(): Promise<AlertView[]> {
    const [rules, states] = await Promise.all([this.#store.listRules(), this.#store.listStates()]);
    const byRule = new Map(states.map((s) => [s.rule, s]));
    const severity = (r: AlertRule): number => ALERT_SEVERITIES.length - ALERT_SEVERITIES.indexOf(r.severity);
    return rules
      .map(({ rule }) => ({ rule, state: byRule.get(rule.name) ?? initialAlertState(rule.name) }))
      .sort(
        (a, b) =>
          STATE_ORDER[a.state.state] - STATE_ORDER[b.state.state] ||
          severity(a.rule) - severity(b.rule) ||
          (a.rule.name < b.rule.name ? -1 : a.rule.name > b.rule.name ? 1 : 0),
      );
  }

  /** A page of state changes, newest first. */
  history(query: AlertEventQuery = {}): Promise<AlertEventPage> {
    return this.#store.events(query);
  }

  /** Changes of rules (who changed what when), newest first. */
  ruleChanges(filter: { name?: string; limit?: number } = {}): Promise<AlertRuleChange[]> {
    return this.#store.ruleChanges(filter);
  }

  /** Notifications and how their delivery went, newest first. */
  deliveries(filter: { rule?: string; eventId?: number; limit?: number } = {}): Promise<AlertDelivery[]> {
    return this.#store.listDeliveries(filter);
  }
}
