import { ruleOp } from '../../core/monitoring/alert-rule.js';
import type { AlertRule, AlertRuleInput, NotifyChannel } from '../../core/monitoring/alert-rule.js';
import type { AlertHealth, AlertStateName } from '../../core/monitoring/alert-state.js';
import type { AlertEventPage, StoredAlertEvent, StoredAlertRule, PutRuleResult } from '../../storage/alert-store.js';
import type { AlertView } from '../../services/alert-rules.js';
import { iso } from './dto.js';
import { fromSnakeKeys, toSnakeKeys } from './wire-case.js';
import type { SnakeKeys } from './wire-case.js';

/**
 * Alert rules, states and history on the wire: snake_case like the rest of the admin API. A webhook's `headers`
 * are user data (header names keep their case), so channels are carried as they are and only the rule's own fields
 * are renamed.
 */

/** A rule as the admin API shows it, with when and by whom it was last changed. */
export type AlertRuleDto = SnakeKeys<Omit<AlertRule, 'notify'>> & {
  notify: NotifyChannel[];
  created_at: string;
  updated_at: string;
  updated_by: string;
};

/** What `PUT /api/alerts/rules/{name}` answers: the rule and what the request did (`none`: it was already so). */
export type AlertRuleChangeDto = AlertRuleDto & { change: 'create' | 'replace' | 'none' };

/** One alert: a rule's current state. */
export interface AlertDto {
  rule: string;
  model: string;
  model_version: number | null;
  signal: string;
  metric: string | null;
  column: string | null;
  severity: string;
  enabled: boolean;
  state: AlertStateName;
  op: string;
  threshold: number | null;
  value: number | null;
  health: AlertHealth;
  last_error: string | null;
  active_at: string | null;
  fired_at: string | null;
  resolved_at: string | null;
  evaluated_at: string | null;
}

/** One change of state in the history. */
export interface AlertEventDto {
  id: number;
  rule: string;
  model: string;
  signal: string;
  severity: string;
  from: AlertStateName;
  to: AlertStateName;
  at: string;
  value: number | null;
  threshold: number | null;
  message: string;
}

/** A page of history, newest first; pass `next` as `cursor` for the following page. */
export interface AlertHistoryDto {
  events: AlertEventDto[];
  next: string | null;
}

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** A stored rule as its DTO. */
export function alertRuleDto(s: StoredAlertRule): AlertRuleDto {
  return { ...alertRuleToWire(s.rule), created_at: iso(s.createdAt), updated_at: iso(s.updatedAt), updated_by: s.updatedBy } as AlertRuleDto;
}

/** What putting a rule did, as its DTO. */
export function alertRuleChangeDto(r: PutRuleResult): AlertRuleChangeDto {
  return { ...alertRuleDto(r.rule), change: r.change };
}

/** A rule (or rule input) with its fields in snake_case, channels as they are. */
export function alertRuleToWire(rule: AlertRule | AlertRuleInput): Record<string, unknown> {
  const { notify, ...rest } = rule;
  const out = toSnakeKeys(rest) as Record<string, unknown>;
  if (notify !== undefined) out.notify = notify.map((c) => ({ ...c }));
  return out;
}

/**
 * A wire rule (snake_case) as the domain's input, for AlertRuleSchema to check; camelCase field names are refused
 * (INVALID_REQUEST naming them) so each field has one spelling. Anything that is not an object is passed on for the
 * schema to refuse.
 */
export function alertRuleFromWire(body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const { notify, ...rest } = body;
  const out = fromSnakeKeys(rest, '') as Record<string, unknown>;
  if (notify !== undefined) out.notify = Array.isArray(notify) ? notify.map(channelFromWire) : notify;
  return out;
}

function channelFromWire(channel: unknown, i: number): unknown {
  if (!isPlainObject(channel)) return channel;
  const { headers, ...rest } = channel;
  const out = fromSnakeKeys(rest, `notify[${i}]`) as Record<string, unknown>;
  if (headers !== undefined) out.headers = headers;
  return out;
}

/** A rule and its state as an AlertDto. */
export function alertDto({ rule, state }: AlertView): AlertDto {
  return {
    rule: rule.name,
    model: rule.model,
    model_version: rule.version,
    signal: rule.signal,
    metric: rule.metric,
    column: rule.column,
    severity: rule.severity,
    enabled: rule.enabled,
    state: state.state,
    op: ruleOp(rule),
    threshold: state.threshold ?? rule.threshold,
    value: state.value,
    health: state.health,
    last_error: state.lastError,
    active_at: isoOrNull(state.activeAt),
    fired_at: isoOrNull(state.firedAt),
    resolved_at: isoOrNull(state.resolvedAt),
    evaluated_at: isoOrNull(state.evaluatedAt),
  };
}

/** A stored event as its DTO. */
export function alertEventDto(e: StoredAlertEvent): AlertEventDto {
  return {
    id: e.id,
    rule: e.rule,
    model: e.model,
    signal: e.signal,
    severity: e.severity,
    from: e.from,
    to: e.to,
    at: iso(e.at),
    value: e.value,
    threshold: e.threshold,
    message: e.message,
  };
}

/** A page of events as its DTO. */
export function alertHistoryDto(page: AlertEventPage): AlertHistoryDto {
  return { events: page.items.map(alertEventDto), next: page.next };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
