import type { AlertDto, AlertHistoryDto, AlertRuleChangeDto, AlertRuleDto } from '../protocol/admin/alert-dto.js';
import { alertRuleToWire } from '../protocol/admin/alert-dto.js';
import type { AlertHistoryFilter, AlertRuleBody, AlertsAdminApi } from '../protocol/admin/alerts-admin-api.js';
import type { AlertRuleInput } from '../core/monitoring/alert-rule.js';

/** One JSON call to the server: method, path (with query), optional JSON body; errors already rebuilt. */
export type JsonCall = <T>(method: string, path: string, payload?: unknown) => Promise<T>;

/** AlertsAdminApi over a running server's `/api/alerts` routes; HttpAdminClient delegates to it. */
export class HttpAlertsClient implements AlertsAdminApi {
  readonly #json: JsonCall;

  constructor(json: JsonCall) {
    this.#json = json;
  }

  async listAlerts(): Promise<AlertDto[]> {
    return (await this.#json<{ alerts: AlertDto[] }>('GET', '/api/alerts')).alerts;
  }

  async listAlertRules(): Promise<AlertRuleDto[]> {
    return (await this.#json<{ rules: AlertRuleDto[] }>('GET', '/api/alerts/rules')).rules;
  }

  getAlertRule(name: string): Promise<AlertRuleDto> {
    return this.#json('GET', `/api/alerts/rules/${encodeURIComponent(name)}`);
  }

  setAlertRule(name: string, rule: AlertRuleBody): Promise<AlertRuleChangeDto> {
    // The name travels in the path; the wire form of the rest is the rule's snake_case form.
    const { name: _name, ...fields } = alertRuleToWire({ ...rule, name } as AlertRuleInput);
    return this.#json('PUT', `/api/alerts/rules/${encodeURIComponent(name)}`, rule.name === undefined ? fields : { name: rule.name, ...fields });
  }

  deleteAlertRule(name: string): Promise<AlertRuleDto> {
    return this.#json('DELETE', `/api/alerts/rules/${encodeURIComponent(name)}`);
  }

  alertHistory(filter: AlertHistoryFilter = {}): Promise<AlertHistoryDto> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
    const text = q.toString();
    return this.#json('GET', `/api/alerts/history${text === '' ? '' : `?${text}`}`);
  }
}
