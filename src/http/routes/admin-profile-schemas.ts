/**
 * JSON Schemas of named features and training profiles as the admin API carries them (snake_case, see
 * src/protocol/admin/profile-dto.ts). They check the wire shape and document it in the OpenAPI document; the
 * domain rules (finite numbers, bounds, uniqueness, fit to the model) are the registry service's, so that a
 * caller in the same process is held to the same rules.
 */

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const numbers = { type: 'array', items: num } as const;

const encoding = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: ['value', 'index', 'onehot'] },
    categories: { type: 'array', items: str },
  },
  required: ['kind'],
} as const;

/** A FeatureSignature: the features packed, in order, into the model's one input. */
export const featureSignature = {
  type: 'object',
  additionalProperties: false,
  properties: {
    input: str,
    features: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: str,
          type: { type: 'string', enum: ['numerical', 'categorical'] },
          encoding,
          nullable: { type: 'boolean' },
        },
        required: ['name', 'type', 'encoding'],
      },
    },
  },
  required: ['input', 'features'],
} as const;

/** One column's statistics: the numerical fields or the categorical ones, by `type`. */
const column = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: str,
    type: { type: 'string', enum: ['numerical', 'categorical'] },
    count: int,
    missing: int,
    missing_rate: num,
    non_finite: int,
    min: num,
    max: num,
    mean: num,
    std: num,
    quantiles: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { q: num, value: num }, required: ['q', 'value'] },
    },
    histogram: {
      type: 'object',
      additionalProperties: false,
      properties: { edges: numbers, counts: { type: 'array', items: int } },
      required: ['edges', 'counts'],
    },
    unique_count: int,
    integer: { type: 'boolean' },
    sample: numbers,
    categories: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { value: str, count: int }, required: ['value', 'count'] },
    },
    other_count: int,
  },
  required: ['name', 'type', 'count', 'missing', 'missing_rate', 'unique_count'],
} as const;

const dataProfile = {
  type: 'object',
  additionalProperties: false,
  properties: { rows: int, columns: { type: 'array', items: column } },
  required: ['rows', 'columns'],
} as const;

const profileProperties = {
  format: { type: 'integer', enum: [1] },
  created_at: { type: 'string', format: 'date-time' },
  source: { type: ['string', 'null'] },
  rows: int,
  features: dataProfile,
  target: { ...column, type: ['object', 'null'] },
  outputs: dataProfile,
} as const;

/** A VersionProfile as answered. */
export const versionProfile = {
  type: 'object',
  additionalProperties: false,
  properties: profileProperties,
  required: ['format', 'created_at', 'source', 'rows', 'features', 'target', 'outputs'],
} as const;

/** A VersionProfile as taken at registration: `created_at` may also be epoch milliseconds. */
export const versionProfileInput = {
  ...versionProfile,
  properties: { ...profileProperties, created_at: { type: ['string', 'integer'] } },
} as const;
