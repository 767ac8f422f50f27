/**
 * OpenAPI documentation for the v2 and records routes. Their bodies are decoded by the protocol codecs (which give
 * precise, coded errors and convert while validating; ADR 3), so these schemas are attached to the OpenAPI document
 * only, not to the routes, where Fastify would validate every body a second time.
 */
import {
  inferenceRequestSchema,
  inferenceResponseSchema,
  liveSchema,
  modelMetadataSchema,
  modelReadySchema,
  readySchema,
  serverMetadataSchema,
} from '../../protocol/v2/schemas.js';

const infer = {
  tags: ['inference'],
  summary: 'Open Inference Protocol v2 inference',
  body: inferenceRequestSchema,
  response: { 200: inferenceResponseSchema },
};
const metadata = { tags: ['inference'], summary: 'Model metadata', response: { 200: modelMetadataSchema } };
const modelReady = { tags: ['health'], summary: 'Model ready: 503 when not loaded', response: { 200: modelReadySchema } };

const BY_URL: Readonly<Record<string, Record<string, unknown>>> = {
  '/v2/models/:name/infer': infer,
  '/v2/models/:name/versions/:version/infer': infer,
  '/v2/models/:name': metadata,
  '/v2/models/:name/versions/:version': metadata,
  '/v2/models/:name/ready': modelReady,
  '/v2/models/:name/versions/:version/ready': modelReady,
  '/v2': { tags: ['inference'], summary: 'Server metadata', response: { 200: serverMetadataSchema } },
  '/v2/models': { tags: ['inference'], summary: 'List models (extension)' },
  '/v2/health/live': { tags: ['health'], summary: 'Liveness probe', response: { 200: liveSchema } },
  '/v2/health/ready': { tags: ['health'], summary: 'Readiness probe: 503 while starting or draining', response: { 200: readySchema } },
  '/api/health': { tags: ['health'], summary: 'Serving state per model, and what failed' },
  '/v1/models/:target': {
    tags: ['inference'],
    summary: 'Records endpoint: POST /v1/models/{name}:predict with {"instances": [...]}',
    body: { type: 'object', properties: { instances: { type: 'array' } }, required: ['instances'] },
  },
  '/v1/models/:name/versions/:target': {
    tags: ['inference'],
    summary: 'Records endpoint for one version: POST /v1/models/{name}/versions/{v}:predict',
    body: { type: 'object', properties: { instances: { type: 'array' } }, required: ['instances'] },
  },
};

/** The documentation schema for a route URL, or undefined to keep the route's own. */
export function v2DocSchemas(url: string): Record<string, unknown> | undefined {
  return BY_URL[url];
}
