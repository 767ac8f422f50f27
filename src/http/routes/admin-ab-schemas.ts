import { TESTABLE_METRICS } from '../../core/rollout/ab-outcomes.js';
import { errors, nameParam } from './admin-schemas.js';

/**
 * JSON Schemas of the A/B test routes (`/api/models/{name}/ab...`), for the OpenAPI document and Fastify's compiled
 * serializers. The answers list every field of AbChangeDto and AbReportDto (a serializer drops what its schema does
 * not name). The metric is checked by the service, whose refusal says why (f1 cannot be tested) and what can.
 */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const nullableNum = { type: ['number', 'null'] } as const;
const time = { type: 'string', format: 'date-time' } as const;
const tags = ['delivery'];


const experiment = {
  type: ['object', 'null'],
  properties: { version: int, production_version: { type: ['integer', 'null'] }, weight: num, metric: str, since: time },
  required: ['version', 'production_version', 'weight', 'metric', 'since'],
} as const;

const change = {
  type: 'object',
  properties: { model: str, changed: { type: 'boolean' }, revision: int, experiment },
  required: ['model', 'changed', 'revision', 'experiment'],
} as const;

const arm = {
  type: 'object',
  properties: {
    version: int,
    route: { type: 'string', enum: ['production', 'canary'] },
    requests: int,
    errors: int,
    labelled: int,
    rows: int,
    value: nullableNum,
  },
  required: ['version', 'route', 'requests', 'errors', 'labelled', 'rows', 'value'],
} as const;

const side = { type: 'object', properties: { version: int, n: int, value: num }, required: ['version', 'n', 'value'] } as const;

const test = {
  type: ['object', 'null'],
  properties: {
    metric: str,
    test: { type: 'string', enum: ['two-proportion z', 'welch t'] },
    difference_of: str,
    a: side,
    b: side,
    difference: num,
    ci95: { type: 'array', items: num, minItems: 2, maxItems: 2 },
    p_value: num,
    significant: { type: 'boolean' },
    statistic: nullableNum,
    df: nullableNum,
  },
  required: ['metric', 'test', 'difference_of', 'a', 'b', 'difference', 'ci95', 'p_value', 'significant', 'statistic', 'df'],
} as const;

const report = {
  type: 'object',
  properties: {
    model: str,
    metric: str,
    weight: num,
    running: { type: 'boolean' },
    started_at: time,
    since: time,
    until: time,
    task: { type: ['string', 'null'], enum: ['classification', 'regression', null] },
    positive_class: { type: ['string', 'null'] },
    a: arm,
    b: arm,
    test,
    reason: { type: ['string', 'null'] },
    truncated: { type: 'boolean' },
  },
  required: ['model', 'metric', 'weight', 'running', 'started_at', 'since', 'until', 'task', 'positive_class', 'a', 'b', 'test', 'reason', 'truncated'],
} as const;

/** Body of `POST /api/models/:name/ab`. */
export interface StartAbBody {
  version: number;
  metric: string;
  weight?: number;
  reason?: string;
}

export const startAb = {
  tags,
  summary: 'Start an A/B test: a fixed split of production-routed requests between production and a version',
  description:
    'Sets the routing policy\'s canary to the version at `weight` percent (default 50) and records the experiment (metric, start ' +
    'time): a new policy revision with an audit record. Starting the running test again only changes its weight.',
  params: nameParam,
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      version: { type: 'integer', minimum: 1 },
      metric: { type: 'string', description: `the labelled metric tested: ${TESTABLE_METRICS.join(', ')}` },
      weight: { type: 'number', description: 'percent of production-routed requests the version answers, 0 < weight < 100 (default 50)' },
      reason: { type: 'string', maxLength: 1000 },
    },
    required: ['version', 'metric'],
  },
  response: { 200: change, ...errors },
} as const;

export const stopAb = {
  tags,
  summary: 'Stop the running A/B test (the split and the experiment are cleared)',
  params: nameParam,
  response: { 200: change, ...errors },
} as const;

/** Query of `GET /api/models/:name/ab/report`. */
export interface ReportQuery {
  since?: string;
}

export const abReport = {
  tags,
  summary: 'Report the running (or last) A/B test: both arms and the significance test of B against A',
  description:
    'Arm A is the production version, route production; arm B the test\'s version, route canary. Accuracy, precision and recall are ' +
    'tested with the two-proportion z test, mae (absolute errors) and rmse (squared errors) with Welch\'s t test; two-sided, ' +
    'significant when p < 0.05.',
  params: nameParam,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { since: { type: 'string', description: 'ISO-8601, epoch ms, or a duration ago (1h); default: when the test started' } },
  },
  response: { 200: report, ...errors },
} as const;
