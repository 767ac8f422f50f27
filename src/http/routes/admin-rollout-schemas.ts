import { ROLLOUT_PHASES } from '../../core/deployment/policy.js';
import { errors, nameParam } from './admin-schemas.js';

/**
 * JSON Schemas of the canary-rollout routes (`/api/models/{name}/rollout...`), for the OpenAPI document and
 * Fastify's compiled serializers. The start body is typed here; its ranges (steps increasing to 100, limits) are the
 * rollout schema's in the domain, whose refusals name the field.
 */

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const nullableNum = { type: ['number', 'null'] } as const;
const time = { type: 'string', format: 'date-time' } as const;
const phase = { type: 'string', enum: [...ROLLOUT_PHASES] } as const;
const tags = ['delivery'];

const check = {
  type: 'object',
  properties: {
    name: { type: 'string', enum: ['requests', 'error_rate', 'latency_ratio', 'drift', 'accuracy'] },
    value: { ...nullableNum, description: "the canary's value (latency_ratio: canary p99 / production p99); null: skipped" },
    baseline: { ...nullableNum, description: "production's value (latency_ratio: its p99 in ms; drift: the KS test's p-value)" },
    limit: num,
    passed: { type: 'boolean' },
  },
  required: ['name', 'value', 'baseline', 'limit', 'passed'],
} as const;

const rollout = {
  type: ['object', 'null'],
  properties: {
    version: int,
    baseline_version: int,
    phase,
    step: int,
    steps: { type: 'array', items: num },
    weight: num,
    interval_ms: int,
    max_error_rate: num,
    max_latency_ratio: num,
    max_drift: num,
    max_accuracy_drop: num,
    min_requests: int,
    max_failed_checks: int,
    weighted_rollback: { type: 'boolean' },
    failed_checks: int,
    started_at: time,
    step_started_at: time,
    next_check_at: { type: ['string', 'null'], format: 'date-time' },
    last_check: {
      type: ['object', 'null'],
      properties: { at: time, passed: { type: ['boolean', 'null'] }, checks: { type: 'array', items: check } },
      required: ['at', 'passed', 'checks'],
    },
  },
  required: ['version', 'baseline_version', 'phase', 'step', 'steps', 'weight', 'interval_ms', 'failed_checks', 'started_at', 'step_started_at', 'last_check'],
} as const;

const status = {
  type: 'object',
  properties: {
    model: str,
    production_version: { type: ['integer', 'null'] },
    revision: int,
    canary: { type: ['object', 'null'], properties: { version: int, weight: num }, required: ['version', 'weight'] },
    rollout,
    history: {
      type: 'array',
      items: {
        type: 'object',
        properties: { revision: int, at: time, actor: str, reason: { type: ['string', 'null'] }, phase, step: int, weight: num },
        required: ['revision', 'at', 'actor', 'reason', 'phase', 'step', 'weight'],
      },
    },
  },
  required: ['model', 'production_version', 'revision', 'canary', 'rollout', 'history'],
} as const;

/** Body of the manual transitions. */
export interface ReasonBody {
  reason?: string;
}

const reasonBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 1000, description: 'why, recorded on the policy revision and its audit record' } },
} as const;

export const startRollout = {
  tags,
  summary: 'Start a canary rollout: the version takes the first step of traffic and grows while its checks pass',
  description:
    'Every interval the canary is compared with production on error rate, p99 latency ratio, prediction shift (two-sample KS) and, ' +
    'where labels arrived, accuracy: all pass -> the next step (at 100%: promoted to production); a failure -> rolled back ' +
    '(or, with weighted_rollback, one step down). Fewer than min_requests canary requests: the check waits.',
  params: nameParam,
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      version: { type: 'integer', minimum: 1 },
      steps: { type: 'array', items: num, description: 'canary weights in percent, increasing, the last 100' },
      interval_ms: { type: 'integer', description: 'how long each step is watched before its check' },
      max_error_rate: num,
      max_latency_ratio: num,
      max_drift: num,
      max_accuracy_drop: num,
      min_requests: int,
      max_failed_checks: int,
      weighted_rollback: { type: 'boolean' },
      reason: { type: 'string', maxLength: 1000 },
    },
    required: ['version', 'steps', 'interval_ms'],
  },
  response: { 201: status, ...errors },
} as const;

export const rolloutStatus = {
  tags,
  summary: "The model's latest canary rollout: phase, step, weight, last check, transitions",
  params: nameParam,
  response: { 200: status, ...errors },
} as const;

/** The schema of one manual transition. */
export function transition(summary: string) {
  return { tags, summary, params: nameParam, body: reasonBody, response: { 200: status, ...errors } } as const;
}
