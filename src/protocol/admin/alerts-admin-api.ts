import type { AlertRuleInput } from '../../core/monitoring/alert-rule.js';
import type { AlertDto, AlertHistoryDto, AlertRuleChangeDto, AlertRuleDto } from './alert-dto.js';

/**
 * The alerting part of the AdminApi (rules, current alerts, history), with the same two implementations: in-process
 * (`ServiceAlertsAdmin`) and over HTTP (`HttpAlertsClient`). Errors are the registry's MooringErrors in both.
 */
export interface AlertsAdminApi {
  /** Every rule's alert: firing first, then pending, resolved, inactive. */
  listAlerts(): Promise<AlertDto[]>;
  /** Every rule, by name. */
  listAlertRules(): Promise<AlertRuleDto[]>;
  /** One rule (ALERT_RULE_NOT_FOUND). */
  getAlertRule(name: string): Promise<AlertRuleDto>;
  /**
   * Creates or replaces the rule `name` (its fields as AlertRuleInput; `name` inside may be left out, and must
   * equal `name` when given). Answers what it did; `change: 'none'` when the rule was already so.
   */
  setAlertRule(name: string, rule: AlertRuleBody): Promise<AlertRuleChangeDto>;
  /** Deletes a rule (its history stays); a firing alert is resolved and notified. Answers the deleted rule. */
  deleteAlertRule(name: string): Promise<AlertRuleDto>;
  /** State changes, newest first, one page at a time. */
  alertHistory(filter?: AlertHistoryFilter): Promise<AlertHistoryDto>;
}

/** A rule's fields as `setAlertRule` takes them. */
export type AlertRuleBody = Omit<AlertRuleInput, 'name'> & { name?: string };

/** Which history to read. */
export interface AlertHistoryFilter {
  rule?: string;
  model?: string;
  /** Epoch milliseconds, inclusive. */
  since?: number;
  /** Epoch milliseconds, exclusive. */
  until?: number;
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}
