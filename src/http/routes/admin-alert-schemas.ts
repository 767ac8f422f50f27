import { ALERT_OPS, ALERT_SEVERITIES, ALERT_SIGNALS } from '../../core/monitoring/alert-rule.js';
import { ALERT_HEALTHS, ALERT_STATES } from '../../core/monitoring/alert-state.js';
import { errors } from './admin-schemas.js';

/**
 * JSON Schemas of the alert routes (`/api/alerts...`), for the OpenAPI document and Fastify's compiled
 * serializers. A rule's body is checked by the alert rule schema in the domain (AlertRuleSchema), whose refusals
 * name the field; here it only has to be an object.
 */

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const nullableNum = { type: ['number', 'null'] } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const tags = ['alerts'];

const channel = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['webhook', 'log'] },
    url: str,
    headers: { type: 'object', additionalProperties: str },
  },
  required: ['type'],
} as const;

const ruleProperties = {
  name: str,
  model: str,
  version: { type: ['integer', 'null'] },
  signal: { type: 'string', enum: [...ALERT_SIGNALS] },
  metric: nullableStr,
  column: nullableStr,
  op: { type: ['string', 'null'], enum: [...ALERT_OPS, null] },
  threshold: nullableNum,
  window_ms: { type: 'integer' },
  for_ms: { type: 'integer' },
  repeat_interval_ms: { type: 'integer' },
  baseline: {
    type: ['object', 'null'],
    properties: { metric_from_version: nullableStr, max_drop: { type: 'number' } },
  },
  severity: { type: 'string', enum: [...ALERT_SEVERITIES] },
  description: nullableStr,
  notify: { type: 'array', items: channel },
  enabled: { type: 'boolean' },
  created_at: time,
  updated_at: time,
  updated_by: str,
} as const;

const rule = {
  type: 'object',
  additionalProperties: true,
  properties: ruleProperties,
  required: ['name', 'model', 'signal', 'window_ms', 'for_ms', 'severity', 'notify', 'enabled', 'created_at', 'updated_at'],
} as const;

const alert = {
  type: 'object',
  properties: {
    rule: str,
    model: str,
    model_version: { type: ['integer', 'null'] },
    signal: str,
    metric: nullableStr,
    column: nullableStr,
    severity: str,
    enabled: { type: 'boolean' },
    state: { type: 'string', enum: [...ALERT_STATES] },
    op: str,
    threshold: nullableNum,
    value: nullableNum,
    health: { type: 'string', enum: [...ALERT_HEALTHS] },
    last_error: nullableStr,
    active_at: nullableTime,
    fired_at: nullableTime,
    resolved_at: nullableTime,
    evaluated_at: nullableTime,
  },
  required: ['rule', 'model', 'signal', 'severity', 'state', 'health'],
} as const;

const event = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    rule: str,
    model: str,
    signal: str,
    severity: str,
    from: { type: 'string', enum: [...ALERT_STATES] },
    to: { type: 'string', enum: [...ALERT_STATES] },
    at: time,
    value: nullableNum,
    threshold: nullableNum,
    message: str,
  },
  required: ['id', 'rule', 'model', 'from', 'to', 'at', 'message'],
} as const;

/** Path parameters of `/alerts/rules/:name`. */
const ruleParam = { type: 'object', properties: { name: str }, required: ['name'] } as const;

export const listAlerts = {
  tags,
  summary: 'Every rule with its alert state: firing first, then pending, resolved, inactive',
  response: { 200: { type: 'object', properties: { alerts: { type: 'array', items: alert } } }, ...errors },
} as const;

export const listRules = {
  tags,
  summary: 'Every alert rule, by name',
  response: { 200: { type: 'object', properties: { rules: { type: 'array', items: rule } } }, ...errors },
} as const;

export const getRule = { tags, summary: 'One alert rule', params: ruleParam, response: { 200: rule, ...errors } } as const;

const ruleChange = {
  ...rule,
  properties: { ...ruleProperties, change: { type: 'string', enum: ['create', 'replace', 'none'] } },
  required: [...rule.required, 'change'],
} as const;

export const putRule = {
  tags,
  summary: 'Create (201) or replace (200) an alert rule; `change: none` when it was already so',
  params: ruleParam,
  body: { type: 'object', additionalProperties: true },
  response: { 200: ruleChange, 201: ruleChange, ...errors },
} as const;

export const deleteRule = {
  tags,
  summary: 'Delete an alert rule (its history stays; a firing alert is resolved and notified)',
  params: ruleParam,
  response: { 200: rule, ...errors },
} as const;

/** Query of `GET /alerts/history`. */
export interface HistoryQuery {
  rule?: string;
  model?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export const history = {
  tags,
  summary: 'Alert state changes, newest first (since/until: ISO-8601, epoch ms, or a duration ago like 1h)',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      rule: str,
      model: str,
      since: str,
      until: str,
      limit: { type: 'integer', minimum: 1, maximum: 1000 },
      cursor: str,
    },
  },
  response: {
    200: { type: 'object', properties: { events: { type: 'array', items: event }, next: nullableStr }, required: ['events', 'next'] },
    ...errors,
  },
} as const;
