import type { FastifyInstance } from 'fastify';
import type { MooringContext } from '../../compose.js';
import type { ServerState } from '../app.js';

/**
 * Health: the protocol's live and ready probes (Kubernetes livenessProbe / readinessProbe), and `/api/health`
 * with the detail an operator needs: which models serve which version, which are not ready and why.
 * Readiness is false before start-up has loaded the production versions and from the moment shutdown begins.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: MooringContext, state: ServerState): void {
  app.get('/v2/health/live', () => ({ live: true }));
  app.get('/v2/health/ready', (_req, reply) => {
    const ready = state.ready && !state.draining;
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/api/health', () => {
    const models = ctx.pool.status();
    const degraded = models.filter((m) => !m.ready);
    return {
      status: state.draining ? 'draining' : !state.ready ? 'starting' : degraded.length > 0 ? 'degraded' : 'ok',
      ready: state.ready && !state.draining,
      models: models.map((m) => ({
        name: m.name,
        ready: m.ready,
        production_version: m.production,
        loaded_versions: m.loaded,
        problem: m.ready ? null : (m.lastError ?? 'no production version loaded'),
        last_error: m.lastError,
      })),
    };
  });
}
