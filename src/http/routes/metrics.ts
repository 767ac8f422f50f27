import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../services/metrics.js';

/** `GET /metrics`: the Prometheus exposition text, open like KServe's and Triton's (put it behind the network). */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });
}
