import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DRIFT_METHODS } from '../../core/monitoring/drift/select.js';
import type { DriftMethod } from '../../core/monitoring/drift/select.js';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import { MAX_LAST } from '../../core/monitoring/drift-report.js';
import { errors, nameParam } from './admin-schemas.js';

/**
 * `GET /api/models/:name/drift` (admin token): the drift report of a version's logged traffic against its
 * training profile, as JSON, or with `format=html` as a self-contained page. Thin: parse, call the AdminApi.
 */

const str = { type: 'string' } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

const column = {
  type: 'object',
  properties: {
    name: str,
    kind: { type: 'string', enum: ['feature', 'prediction'] },
    type: { type: 'string', enum: ['numerical', 'categorical'] },
    method: { type: 'string', enum: [...DRIFT_METHODS] },
    statistic: nullableNumber,
    p_value: nullableNumber,
    threshold: { type: 'number' },
    drift: { type: 'boolean' },
  },
  required: ['name', 'kind', 'type', 'method', 'statistic', 'p_value', 'threshold', 'drift'],
} as const;

const report = {
  type: 'object',
  properties: {
    model: str,
    version: { type: 'integer' },
    reference_rows: { type: 'integer' },
    current_rows: { type: 'integer' },
    dataset_drift: { type: 'boolean' },
    drift_share: { type: 'number' },
    columns: { type: 'array', items: column },
  },
  required: ['model', 'version', 'reference_rows', 'current_rows', 'dataset_drift', 'drift_share', 'columns'],
} as const;

/** The query of `GET /api/models/:name/drift`. */
export interface DriftRouteQuery {
  version?: string;
  since?: string;
  until?: string;
  last?: number;
  method?: DriftMethod;
  format?: 'json' | 'html';
}

/** The route's JSON Schemas: query checks, the OpenAPI entry, and the compiled serializer of the report. */
export const driftReport = {
  tags: ['monitoring'],
  summary: "Drift of a version's logged traffic against its training profile, per feature and output column",
  description:
    'Each column gets Evidently\'s default test (or `method` for all); the dataset drifts when at least half the features do. ' +
    'The window is `since`/`until` or the newest `last` predictions; default the last 24 hours. `format=html` answers a ' +
    'self-contained HTML page with a chart per column.',
  params: nameParam,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      version: { ...str, description: 'a version number, latest, or an alias (default: production)' },
      since: { ...str, description: 'inclusive: ISO-8601, epoch ms, or a duration (1h, 7d) for a trailing window ending now' },
      until: { ...str, description: 'exclusive: ISO-8601, epoch ms, or a duration ago (default: now)' },
      last: { type: 'integer', minimum: 1, maximum: MAX_LAST, description: 'the newest N predictions instead of a time window' },
      method: { type: 'string', enum: [...DRIFT_METHODS], description: 'one test for every column' },
      format: { type: 'string', enum: ['json', 'html'], description: 'json (default) or html' },
    },
  },
  response: { 200: report, ...errors },
} as const;

/** Registers the drift route on the admin plugin (paths relative to `/api`). */
export function registerDriftRoutes(app: FastifyInstance, admin: (req: FastifyRequest) => AdminApi): void {
  app.get<{ Params: { name: string }; Querystring: DriftRouteQuery }>('/models/:name/drift', { schema: driftReport }, async (req, reply) => {
    const { format, ...query } = req.query;
    if (format === 'html') {
      const page = await admin(req).driftReportHtml(req.params.name, query);
      return reply.type('text/html; charset=utf-8').send(page);
    }
    return admin(req).driftReport(req.params.name, query);
  });
}
