import { deploymentChange } from './admin-deployment-schemas.js';
import { errors, nameParam } from './admin-schemas.js';

/**
 * JSON Schemas of the shadow and replay routes (`/api/models/{name}/shadows...`, `/api/models/{name}/replay`), for
 * the OpenAPI document and Fastify's compiled serializers. The report lists every field of ComparisonReportDto
 * (a serializer drops what its schema does not name).
 */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableNum = { type: ['number', 'null'] } as const;
const tags = ['delivery'];
const version = { type: 'integer', minimum: 1 } as const;

const nameVersionParams = { type: 'object', properties: { name: str, version }, required: ['name', 'version'] } as const;

const percentiles = { type: 'object', properties: { p50: nullableNum, p99: nullableNum }, required: ['p50', 'p99'] } as const;

const report = {
  type: 'object',
  properties: {
    source: { type: 'string', enum: ['shadow', 'replay'] },
    model: str,
    version: int,
    primary_versions: { type: 'array', items: int },
    since: { type: ['string', 'null'], format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    requests: int,
    rows: int,
    agreement: nullableNum,
    agreement_rule: { type: ['string', 'null'], enum: ['class', 'argmax', 'threshold', 'tolerance', 'mixed', null] },
    mean_abs_diff: nullableNum,
    max_abs_diff: nullableNum,
    latency_ms: { type: 'object', properties: { primary: percentiles, shadow: percentiles }, required: ['primary', 'shadow'] },
    errors: int,
    error_detail: {
      type: 'object',
      properties: { primary: int, shadow: int, codes: { type: 'object', additionalProperties: int } },
      required: ['primary', 'shadow', 'codes'],
    },
    incomparable_rows: int,
    unreadable: int,
    skipped: int,
    truncated: { type: 'boolean' },
  },
  required: [
    'source', 'model', 'version', 'primary_versions', 'since', 'until', 'requests', 'rows', 'agreement', 'agreement_rule',
    'mean_abs_diff', 'max_abs_diff', 'latency_ms', 'errors', 'error_detail', 'incomparable_rows', 'unreadable', 'skipped',
    'truncated',
  ],
} as const;

/** Body of `POST /api/models/:name/shadows`. */
export interface StartShadowBody {
  version: number;
  sample?: number;
}

export const startShadow = {
  tags,
  summary: 'Start (or restart) a shadow: mirror a sample of production-routed requests to a version, after the answer',
  params: nameParam,
  body: {
    type: 'object',
    additionalProperties: false,
    properties: { version, sample: { type: 'number', description: 'share of requests mirrored, 0 < sample <= 1 (default 1)' } },
    required: ['version'],
  },
  response: { 200: deploymentChange, ...errors },
} as const;

export const stopShadows = {
  tags,
  summary: 'Stop every shadow of the model',
  params: nameParam,
  response: { 200: deploymentChange, ...errors },
} as const;

export const stopShadow = {
  tags,
  summary: 'Stop one shadow',
  params: nameVersionParams,
  response: { 200: deploymentChange, ...errors },
} as const;

/** Query of the report routes. */
export interface ReportQuery {
  since?: string;
  until?: string;
}

const reportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { ...str, description: 'inclusive (default: when the shadow started): ISO-8601, epoch ms, or a duration ago' },
    until: { ...str, description: 'exclusive (default: now)' },
  },
} as const;

export const shadowReport = {
  tags,
  summary: "Compare a shadow's logged answers with the primary answers of the same requests",
  params: nameVersionParams,
  querystring: reportQuery,
  response: { 200: report, ...errors },
} as const;

export const onlyShadowReport = {
  tags,
  summary: "The report of the model's one shadow (INVALID_REQUEST when it has none or several)",
  params: nameParam,
  querystring: reportQuery,
  response: { 200: report, ...errors },
} as const;

/** Body of `POST /api/models/:name/replay`. */
export interface ReplayBody {
  version: number;
  last?: number;
  since?: string;
  until?: string;
}

export const replay = {
  tags,
  summary: 'Run a version in-process on logged production requests and compare with production (writes nothing to the log)',
  params: nameParam,
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      version,
      last: { type: 'integer', minimum: 1, maximum: 10_000, description: 'the newest N production requests (default 100)' },
      since: { ...str, description: 'requests from this time (the newest 10,000): ISO-8601, epoch ms, or a duration ago' },
      until: { ...str, description: 'exclusive end (default: now)' },
    },
    required: ['version'],
  },
  response: { 200: report, ...errors },
} as const;
