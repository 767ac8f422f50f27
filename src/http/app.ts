import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { randomUUID } from 'node:crypto';
import type { MooringContext } from '../compose.js';
import { registerAdminAuth } from './plugins/admin-auth.js';
import { commonHeaders, registerErrorHandling, sendError, toMooringError } from './plugins/errors.js';
import { fail } from '../core/errors.js';
import { registerJsonParser } from './plugins/json-body.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerMonitoringRoutes } from './routes/admin-monitoring.js';
import { registerRolloutRoutes } from './routes/admin-rollout.js';
import { registerShadowRoutes } from './routes/admin-shadow.js';
import { registerAbRoutes } from './routes/admin-ab.js';
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

/** Routes under /api that answer without the admin token (registered outside the admin plugin). */
const OPEN_API_PATHS: ReadonlySet<string> = new Set(['/api/health', '/api/openapi.json']);

/**
 * Request ids: a per-process random prefix and a counter. Unique per process and cheap (a UUID costs ~1 µs on the
 * hot path); a caller's own `x-request-id` is reused instead.
 */
function requestIds(): () => string {
  const prefix = randomUUID().slice(0, 8);
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

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
    genReqId: requestIds(),
    // A child logger per request costs ~1.6 µs; with request logging off, requests share the root logger and the
    // error handler adds `req_id` to the lines it writes.
    ...(ctx.config.log.requests ? {} : { childLoggerFactory: (logger: FastifyBaseLogger) => logger }),
    bodyLimit: ctx.config.server.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
    // removeAdditional off: an unknown key (a misspelled "alais") must be refused, not silently dropped.
    ajv: { customOptions: { allowUnionTypes: true, removeAdditional: false } },
    // Errors Fastify raises before routing (a path that is not valid percent-encoding: FST_ERR_BAD_URL) get the
    // same coded JSON answer as every other error, instead of Fastify's own body with a code outside the registry.
    frameworkErrors: (err, _request, reply) => sendError(reply, toMooringError(err)),
  });
  registerErrorHandling(app);
  registerJsonParser(app, ctx.config.limits.maxJsonDepth);
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
    transform: ({ schema, url }) => {
      const doc = v2DocSchemas(url) ?? schema;
      const secured = url.startsWith('/api/') && !OPEN_API_PATHS.has(url);
      return { schema: secured ? { ...doc, security: [{ admin: [] }] } : doc, url };
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, (request, reply) => {
    commonHeaders(request, reply, deps.state);
    return app.swagger();
  });
  // The inference routes set their own headers (see v2-infer.ts); every other route gets them from this hook.
  // Keeping the hook off the hot path saves Fastify's hook runner on each prediction.
  registerInferRoutes(app, ctx.dataplane, ctx.config.limits, deps.state);
  await app.register(async (rest) => {
    rest.addHook('onSend', (request, reply, payload, done) => {
      commonHeaders(request, reply, deps.state);
      done(null, payload);
    });
    registerHealthRoutes(rest, ctx, deps.state);
    registerMetricsRoute(rest, ctx.metrics);
    registerV2MetadataRoutes(rest, ctx, deps.version);
    await rest.register(
    async (admin) => {
      registerAdminAuth(admin, deps.adminToken);
      admin.setNotFoundHandler((request, reply) =>
        sendError(reply, fail('ROUTE_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0]}`)),
      );
      registerAdminRoutes(admin, ctx.adminAs, ctx.artifacts, ctx.config.server.artifactLimitBytes);
      registerMonitoringRoutes(admin, ctx.monitor);
      registerRolloutRoutes(admin, ctx.adminAs);
      registerShadowRoutes(admin, ctx.adminAs);
      registerAbRoutes(admin, ctx.adminAs);
    },
    { prefix: '/api' },
    );
  });
  return app;
}
