/**
 * JSON Schemas of the admin API: they validate parameters and bodies (Fastify compiles them once) and are the
 * source of the OpenAPI document served at /api/openapi.json. Response schemas describe the DTOs of
 * src/protocol/admin/dto.ts and also drive Fastify's compiled serializers.
 */

import type { FeatureSignatureDto } from '../../protocol/admin/dto.js';
import { featureSignature, versionProfile, versionProfileInput } from './admin-profile-schemas.js';

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const numberMap = { type: 'object', additionalProperties: { type: 'number' } } as const;
/** The error body every route may answer. */
export const error = {
  type: 'object',
  properties: { error: str, code: str, details: { type: 'object', additionalProperties: true } },
  required: ['error', 'code'],
} as const;
/** Error answers by status, for every route's `response`. */
export const errors = { 400: error, 401: error, 404: error, 409: error, 422: error, 500: error, 503: error } as const;

const tensorSpec = {
  type: 'object',
  properties: { name: str, datatype: str, shape: { type: 'array', items: { type: 'integer' } } },
  required: ['name', 'datatype', 'shape'],
} as const;

const model = {
  type: 'object',
  properties: {
    name: str,
    description: nullableStr,
    tags: stringMap,
    latest_version: { type: 'integer' },
    aliases: { type: 'object', additionalProperties: { type: 'integer' } },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
  required: ['name', 'latest_version', 'aliases', 'created_at'],
} as const;

const version = {
  type: 'object',
  properties: {
    name: str,
    version: { type: 'integer' },
    aliases: { type: 'array', items: str },
    artifact: {
      type: 'object',
      properties: { sha256: str, size_bytes: { type: 'integer' }, format: str },
      required: ['sha256', 'size_bytes', 'format'],
    },
    signature: {
      type: 'object',
      properties: { inputs: { type: 'array', items: tensorSpec }, outputs: { type: 'array', items: tensorSpec } },
      required: ['inputs', 'outputs'],
    },
    metrics: numberMap,
    params: stringMap,
    tags: stringMap,
    dataset_version: nullableStr,
    trained_at: nullableStr,
    description: nullableStr,
    source: nullableStr,
    created_at: { type: 'string', format: 'date-time' },
    created_by: str,
    features: { ...featureSignature, type: ['object', 'null'] },
    has_profile: { type: 'boolean' },
  },
  required: ['name', 'version', 'artifact', 'signature', 'created_at', 'features', 'has_profile'],
} as const;

const aliasEvent = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: str,
    alias: str,
    from_version: nullableInt,
    to_version: nullableInt,
    actor: str,
    at: { type: 'string', format: 'date-time' },
    reason: nullableStr,
  },
  required: ['id', 'name', 'alias', 'from_version', 'to_version', 'actor', 'at'],
} as const;

/** Path parameters of the routes under `/models/:name`. */
export const nameParam = { type: 'object', properties: { name: str }, required: ['name'] } as const;
const aliasParams = { type: 'object', properties: { name: str, alias: str }, required: ['name', 'alias'] } as const;
const versionValue = { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[0-9]+$' }] } as const;
const tags = ['registry'];

export const listModels = {
  tags,
  summary: 'List registered models',
  response: { 200: { type: 'object', properties: { models: { type: 'array', items: model } } }, ...errors },
} as const;

export const getModel = {
  tags,
  summary: 'A model with all its versions',
  params: nameParam,
  response: {
    200: { ...model, properties: { ...model.properties, versions: { type: 'array', items: version } } },
    ...errors,
  },
} as const;

export const getVersion = {
  tags,
  summary: 'One version, by number, alias, `latest` or `v<N>`',
  params: { type: 'object', properties: { name: str, selector: str }, required: ['name', 'selector'] },
  response: { 200: version, ...errors },
} as const;

export const uploadArtifact = {
  tags,
  summary: 'Upload artifact bytes (application/octet-stream); answers their sha256',
  response: {
    201: { type: 'object', properties: { sha256: str, size_bytes: { type: 'integer' }, format: str } },
    ...errors,
  },
} as const;

/** Body of `POST /api/models/:name/versions`. */
export interface CreateVersionBody {
  artifact_sha256: string;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  dataset_version?: string | null;
  trained_at?: string | number | null;
  description?: string | null;
  source?: string | null;
  alias?: string | null;
  features?: FeatureSignatureDto | null;
  /** A VersionProfileDto as sent (checked in full by the registry service). */
  profile?: unknown;
}

export const createVersion = {
  tags,
  summary: 'Register a new version from an uploaded artifact',
  params: nameParam,
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      artifact_sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      metrics: numberMap,
      params: stringMap,
      tags: stringMap,
      dataset_version: nullableStr,
      trained_at: { type: ['string', 'integer', 'null'] },
      description: nullableStr,
      source: nullableStr,
      alias: nullableStr,
      features: { ...featureSignature, type: ['object', 'null'] },
      profile: { ...versionProfileInput, type: ['object', 'null'] },
    },
    required: ['artifact_sha256'],
  },
  response: { 201: version, ...errors },
} as const;

export const getProfile = {
  tags,
  summary: 'The training profile of one version (`profile` is null when it was registered without one)',
  params: { type: 'object', properties: { name: str, selector: str }, required: ['name', 'selector'] },
  response: {
    200: {
      type: 'object',
      properties: { name: str, version: { type: 'integer' }, profile: { ...versionProfile, type: ['object', 'null'] } },
      required: ['name', 'version', 'profile'],
    },
    ...errors,
  },
} as const;

const moveBody = {
  type: 'object',
  additionalProperties: false,
  properties: { version: versionValue, reason: str },
  required: ['version'],
} as const;

export const setAlias = {
  tags,
  summary: 'Point an alias at a version (`production` is loaded and warm before it moves)',
  params: aliasParams,
  body: moveBody,
  response: { 200: aliasEvent, ...errors },
} as const;

export const deleteAlias = {
  tags,
  summary: 'Remove an alias',
  params: aliasParams,
  querystring: { type: 'object', properties: { reason: str } },
  response: { 200: aliasEvent, ...errors },
} as const;

export const aliasAt = {
  tags,
  summary: 'Which version an alias held at a time (ISO-8601 or epoch ms)',
  params: aliasParams,
  querystring: { type: 'object', properties: { time: str }, required: ['time'] },
  response: {
    200: { type: 'object', properties: { name: str, alias: str, at: str, version: nullableInt } },
    ...errors,
  },
} as const;

export const deploy = {
  tags: ['delivery'],
  summary: 'Move `production` to a version; returns once it answers',
  params: nameParam,
  body: moveBody,
  response: { 200: aliasEvent, ...errors },
} as const;

export const rollback = {
  tags: ['delivery'],
  summary: 'Move `production` back to the version it held before',
  params: nameParam,
  body: { type: ['object', 'null'], additionalProperties: false, properties: { reason: str } },
  response: { 200: aliasEvent, ...errors },
} as const;

export const history = {
  tags: ['delivery'],
  summary: 'Alias moves of a model, oldest first',
  params: nameParam,
  querystring: { type: 'object', properties: { alias: str } },
  response: { 200: { type: 'object', properties: { events: { type: 'array', items: aliasEvent } } }, ...errors },
} as const;

export const audit = {
  tags: ['audit'],
  summary: 'Audit records, newest first',
  querystring: {
    type: 'object',
    properties: { target: str, limit: { type: 'integer', minimum: 1, maximum: 10000 } },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        records: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              at: str,
              actor: str,
              action: str,
              target: str,
              details: { type: 'object', additionalProperties: true },
            },
          },
        },
      },
    },
    ...errors,
  },
} as const;
