/**
 * OpenAPI documentation for the v2 and records routes. Their bodies are decoded by the protocol codecs (which give
 * precise, coded errors and convert while validating), so the schemas are attached to the OpenAPI document only,
 * not to the routes, where Fastify would validate every body a second time.
 */
import * as v2 from '../../protocol/v2/schemas.js';

const byUrl: Record<string, Record<string, unknown>> = {};

/** The documentation schema for a route URL, or undefined to keep the route's own. */
export function v2DocSchemas(url: string): Record<string, unknown> | undefined {
  if (Object.keys(byUrl).length === 0) build();
  return byUrl[url];
}

function build(): void {
  const s = v2 as unknown as Record<string, Record<string, unknown>>;
  const infer = { tags: ['inference'], summary: 'Open Inference Protocol v2 inference', body: s.inferenceRequestSchema, response: { 200: s.inferenceResponseSchema } };
  byUrl['/v2/models/:name/infer'] = infer;
  byUrl['/v2/models/:name/versions/:version/infer'] = infer;
  byUrl['/v2/models/:name'] = { tags: ['inference'], summary: 'Model metadata', response: { 200: s.modelMetadataResponseSchema } };
  byUrl['/v2/models/:name/versions/:version'] = byUrl['/v2/models/:name']!;
  byUrl['/v2'] = { tags: ['inference'], summary: 'Server metadata', response: { 200: s.serverMetadataResponseSchema } };
  byUrl['/v2/health/live'] = { tags: ['health'], summary: 'Liveness probe' };
  byUrl['/v2/health/ready'] = { tags: ['health'], summary: 'Readiness probe: 503 while starting or draining' };
  byUrl['/v1/models/:target'] = {
    tags: ['inference'],
    summary: 'Records endpoint: POST /v1/models/{name}:predict with {"instances": [...]}',
    body: { type: 'object', properties: { instances: { type: 'array' } }, required: ['instances'] },
  };
}
