import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { randomUUID } from 'node:crypto';
import type { MooringContext } from '../compose.js';
import { registerAdminAuth } from './plugins/admin-auth.js';
import { registerErrorHandling } from './plugins/errors.js';
import { registerJsonParser } from './plugins/json-body.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerInferRoutes } from './routes/v2-infer.js';
import { registerV2MetadataRoutes } from './routes/v2-metadata.js';
import { v2DocSchemas } from './routes/v2-docs.js';

/** What the server tells the health routes about its own life cycle. */
export interface ServerState {
  /** False until start-up finished, and again from the moment a shutdown begins. */
  ready: boolean;
  draining: boolean;
}

/** Everything `buildApp` needs. */
export interface AppDeps {
  ctx: MooringContext;
  adminToken: string;
  state: ServerState;
  /** Mooring's own version, for server metadata. */
  version: string;
}

/** Paths under /api that answer without the admin token. */
const OPEN_API_PATHS = new Set(['/api/health', '/api/openapi.json']);

/**
 * Builds the Fastify app (routes, plugins, error handling) without listening, so tests drive it with `inject` and
 * the server module owns the socket and the life cycle.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { ctx } = deps;
  const app = Fastify({
    // pino's Logger is Fastify's logger; the cast only widens the generic so plugins see the default instance type.
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !ctx.config.log.requests, requestIdLogLabel: 'req_id' }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: ctx.config.server.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
    ajv: { customOptions: { allowUnionTypes: true } },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  registerJsonParser(app);
  registerAdminAuth(app, deps.adminToken, OPEN_API_PATHS);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Mooring',
        version: deps.version,
        description:
          'Open Inference Protocol v2 data plane, a records endpoint for web apps, and the Mooring admin API. ' +
          'Admin routes (/api) need `Authorization: Bearer <token>` (the token is in <home>/admin-token).',
      },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
    },
    transform: ({ schema, url }) => ({ schema: v2DocSchemas(url) ?? schema, url }),
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerHealthRoutes(app, ctx, deps.state);
  registerV2MetadataRoutes(app, ctx, deps.version);
  registerInferRoutes(app, ctx.dataplane, ctx.config.limits);
  registerAdminRoutes(app, ctx.adminAs, ctx.artifacts, ctx.config.server.artifactLimitBytes);
  return app;
}
