import { fail } from '../../core/errors.js';
import type { Actor } from '../../core/registry/types.js';
import type { AlertRuleService } from '../../services/alert-rules.js';
import { alertDto, alertHistoryDto, alertRuleChangeDto, alertRuleDto } from './alert-dto.js';
import type { AlertDto, AlertHistoryDto, AlertRuleChangeDto, AlertRuleDto } from './alert-dto.js';
import type { AlertHistoryFilter, AlertRuleBody, AlertsAdminApi } from './alerts-admin-api.js';

/**
 * AlertsAdminApi over the in-process AlertRuleService, acting as one actor; ServiceAdmin delegates to it. Without a
 * service (a context built without alerting) every method throws NOT_IMPLEMENTED.
 */
export class ServiceAlertsAdmin implements AlertsAdminApi {
  readonly #alerts: AlertRuleService | null;
  readonly #by: Actor;

  constructor(alerts: AlertRuleService | null, by: Actor) {
    this.#alerts = alerts;
    this.#by = by;
  }

  async listAlerts(): Promise<AlertDto[]> {
    return (await this.#service().alerts()).map(alertDto);
  }

  async listAlertRules(): Promise<AlertRuleDto[]> {
    return (await this.#service().listRules()).map(alertRuleDto);
  }

  async getAlertRule(name: string): Promise<AlertRuleDto> {
    return alertRuleDto(await this.#service().getRule(name));
  }

  async setAlertRule(name: string, rule: AlertRuleBody): Promise<AlertRuleChangeDto> {
    if (rule.name !== undefined && rule.name !== name) {
      throw fail('INVALID_REQUEST', `the rule's name ${JSON.stringify(rule.name)} differs from ${JSON.stringify(name)} in the path`, { field: 'name' });
    }
    return alertRuleChangeDto(await this.#service().putRule({ ...rule, name }, this.#by));
  }

  async deleteAlertRule(name: string): Promise<AlertRuleDto> {
    return alertRuleDto(await this.#service().deleteRule(name, this.#by));
  }

  async alertHistory(filter: AlertHistoryFilter = {}): Promise<AlertHistoryDto> {
    const { cursor, ...rest } = filter;
    return alertHistoryDto(await this.#service().history({ ...rest, ...(cursor === undefined ? {} : { after: cursor }) }));
  }

  #service(): AlertRuleService {
    if (this.#alerts === null) throw fail('NOT_IMPLEMENTED', 'alerting is not available in this context');
    return this.#alerts;
  }
}
