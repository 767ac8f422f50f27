/**
 * JSON Schemas of the prediction-log, feedback and accuracy routes (validation, OpenAPI, and Fastify's compiled
 * serializers for the answers). Logged inputs, outputs and labels are any JSON value: their schema is `{}`.
 */
import { errors, nameParam } from './admin-schemas.js';

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const anyJson = {} as const;
const tags = ['monitoring'];

const prediction = {
  type: 'object',
  properties: {
    id: str,
    at: { type: 'string', format: 'date-time' },
    model: str,
    version: { type: 'integer' },
    route: str,
    rows: { type: 'integer' },
    latency_ms: { type: 'number' },
    status: str,
    error: nullableStr,
    flags: { type: 'array', items: str },
    inputs: anyJson,
    outputs: anyJson,
    label: anyJson,
    label_at: nullableStr,
  },
  required: ['id', 'at', 'model', 'version', 'route', 'rows', 'latency_ms', 'status', 'error', 'flags', 'label_at'],
} as const;

const metrics = { type: 'object', additionalProperties: { type: ['number', 'null'] } } as const;

const versionAccuracy = {
  type: 'object',
  properties: {
    model: str,
    version: { type: 'integer' },
    task: { type: ['string', 'null'], enum: ['classification', 'regression', null] },
    positive_class: nullableStr,
    labelled: { type: 'integer' },
    unusable: { type: 'integer' },
    metrics,
    windows: {
      type: 'array',
      items: {
        type: 'object',
        properties: { start: str, end: str, labelled: { type: 'integer' }, metrics },
        required: ['start', 'end', 'labelled', 'metrics'],
      },
    },
  },
  required: ['model', 'version', 'task', 'positive_class', 'labelled', 'unusable', 'metrics', 'windows'],
} as const;

/** Query of `GET /api/models/:name/predictions`. */
export interface ListPredictionsQuery {
  version?: string;
  since?: string;
  until?: string;
  flag?: string;
  limit?: number;
  after?: string;
}

export const listPredictions = {
  tags,
  summary: 'Logged predictions of a model, newest first, with their labels (paged: pass `next` as `after`)',
  params: nameParam,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      version: { ...str, description: 'a version number or an alias' },
      since: { ...str, description: 'inclusive: ISO-8601, epoch ms, or a duration ago (1h, 30m, 7d)' },
      until: { ...str, description: 'exclusive: ISO-8601, epoch ms, or a duration ago' },
      flag: { ...str, description: 'only predictions carrying this flag, e.g. out_of_distribution' },
      limit: { type: 'integer', minimum: 1, maximum: 10000, description: 'page size (default 100)' },
      after: { ...str, description: 'the `next` of the previous page' },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: { items: { type: 'array', items: prediction }, next: nullableStr },
      required: ['items', 'next'],
    },
    ...errors,
  },
} as const;

/** Query of `GET /api/models/:name/accuracy`. */
export interface AccuracyRouteQuery {
  version?: string;
  since?: string;
  until?: string;
  window?: string;
}

export const accuracy = {
  tags,
  summary: 'Live accuracy per version from labelled predictions (classification or regression metrics), optionally per window',
  params: nameParam,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      version: { ...str, description: 'a version number or an alias (default: every version with labels)' },
      since: { ...str, description: 'inclusive (default: 7 days before until): ISO-8601, epoch ms, or a duration ago' },
      until: { ...str, description: 'exclusive (default: now)' },
      window: { ...str, description: 'bucket length, e.g. 1h, 30m, 1d: also report each bucket' },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        model: str,
        since: str,
        until: str,
        window_ms: { type: ['integer', 'null'] },
        truncated: { type: 'boolean' },
        versions: { type: 'array', items: versionAccuracy },
      },
      required: ['model', 'since', 'until', 'window_ms', 'truncated', 'versions'],
    },
    ...errors,
  },
} as const;

export const sendFeedback = {
  tags,
  summary: 'Ground-truth labels for predictions by request id: {"id", "label"} or {"items": [...]}; all or none',
  // Checked by the feedback service, which names the bad item; only the envelope is an object.
  body: { type: 'object' },
  response: {
    200: { type: 'object', properties: { accepted: { type: 'integer' } }, required: ['accepted'] },
    ...errors,
  },
} as const;
