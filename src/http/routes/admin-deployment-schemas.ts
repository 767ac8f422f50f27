import { errors, nameParam } from './admin-schemas.js';

/**
 * JSON Schemas of the deployment policy routes. The policy's fields are listed for the OpenAPI document and the
 * compiled serializer; answers keep fields this list does not know yet (`additionalProperties`), and a patch's
 * unknown fields reach the deployment service, whose refusal names them.
 */

const str = { type: 'string' } as const;
const tags = ['delivery'];

const validation = {
  type: 'object',
  additionalProperties: true,
  properties: {
    schema: { type: 'string', enum: ['reject', 'fallback'] },
    anomalies: { type: 'string', enum: ['reject', 'flag', 'fallback', 'off'] },
    range_tolerance: { type: 'number' },
    max_rows: { type: 'integer' },
    max_input_elements: { type: 'integer' },
    max_input_bytes: { type: 'integer' },
  },
} as const;

const batching = {
  type: 'object',
  additionalProperties: true,
  properties: { enabled: { type: 'boolean' }, max_batch_size: { type: 'integer' }, max_queue_delay_micros: { type: 'integer' } },
} as const;

const cache = { type: 'object', additionalProperties: true, properties: { enabled: { type: 'boolean' }, ttl_ms: { type: 'integer' } } } as const;

const coalescing = { type: 'object', additionalProperties: true, properties: { enabled: { type: 'boolean' } } } as const;

/** A rule's value and a rule output's value are any JSON (a number, a category, nested lists): left untyped. */
const anyJson = {} as const;

const ruleOutputs = {
  type: 'array',
  items: { type: 'object', additionalProperties: true, properties: { name: str, value: anyJson } },
} as const;

const rules = {
  type: ['object', 'null'],
  additionalProperties: true,
  description: 'the `rules` fallback: the first case whose conditions all hold answers a row; `default` answers the rest',
  properties: {
    cases: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          when: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: true,
              properties: {
                feature: str,
                op: { type: 'string', enum: ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'not_in', 'missing'] },
                value: anyJson,
              },
            },
          },
          outputs: ruleOutputs,
        },
      },
    },
    default: { type: ['object', 'null'], additionalProperties: true, properties: { outputs: ruleOutputs } },
  },
} as const;

const fallback = {
  type: 'object',
  additionalProperties: true,
  properties: {
    chain: { type: 'array', items: { type: 'string', enum: ['cache', 'previous', 'rules', 'queue'] } },
    cache_ttl_ms: { type: 'integer' },
    rules,
  },
} as const;

const circuitBreaker = {
  type: 'object',
  additionalProperties: true,
  properties: {
    enabled: { type: 'boolean' },
    error_ratio: { type: 'number' },
    min_requests: { type: 'integer' },
    window_ms: { type: 'integer' },
    half_open_after_ms: { type: 'integer' },
  },
} as const;

const limits = {
  type: 'object',
  additionalProperties: true,
  properties: { max_concurrent: { type: 'integer' }, max_queued: { type: 'integer' }, retry_after_seconds: { type: 'integer' } },
} as const;

const policy = {
  type: 'object',
  additionalProperties: true,
  properties: {
    validation,
    batching,
    cache,
    coalescing,
    latency_budget_ms: { type: 'integer', description: 'longest a request may take, in milliseconds (0: no budget)' },
    fallback,
    circuit_breaker: circuitBreaker,
    limits,
  },
} as const;

const deploymentProperties = {
  name: str,
  revision: { type: 'integer' },
  policy,
  actor: str,
  reason: { type: ['string', 'null'] },
  at: { type: 'string', format: 'date-time' },
} as const;

const deployment = {
  type: 'object',
  properties: deploymentProperties,
  required: ['name', 'revision', 'policy', 'actor', 'reason', 'at'],
} as const;

/** A revision as a write answers it: the deployment, and whether this write made it (DeploymentChangeDto). */
export const deploymentChange = {
  type: 'object',
  properties: { ...deploymentProperties, changed: { type: 'boolean' } },
  required: [...deployment.required, 'changed'],
} as const;

export const getDeployment = {
  tags,
  summary: 'The deployment policy in force (revision 0 = the defaults, never set)',
  params: nameParam,
  response: { 200: deployment, ...errors },
} as const;

/** Body of `PUT /api/models/:name/deployment`. */
export interface SetDeploymentBody {
  /** A DeploymentPolicyPatchDto: any subset of the policy's fields (snake_case). */
  policy: unknown;
  reason?: string;
  /** True: `policy` becomes the whole policy (defaults for what it leaves out) instead of being merged. */
  replace?: boolean;
}

export const setDeployment = {
  tags,
  summary: 'Merge a patch onto the deployment policy (or replace it whole); a new revision unless it changes nothing',
  params: nameParam,
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      policy,
      reason: str,
      replace: { type: 'boolean', description: 'true: the policy becomes `policy`, defaults for what it leaves out' },
    },
    required: ['policy'],
  },
  response: { 200: deploymentChange, ...errors },
} as const;

export const deploymentHistory = {
  tags,
  summary: 'Every revision of the deployment policy, oldest first',
  params: nameParam,
  response: { 200: { type: 'object', properties: { revisions: { type: 'array', items: deployment } } }, ...errors },
} as const;
