import type { FastifyInstance } from 'fastify';
import type { Monitor } from '../../services/monitor.js';

/**
 * `POST /api/monitoring/run`: runs one monitoring round now (drift and accuracy gauges, one alert evaluation round
 * with its notifications) instead of waiting for the next interval; for operators and the demo traffic script.
 */
export function registerMonitoringRoutes(app: FastifyInstance, monitor: Monitor): void {
  app.post(
    '/monitoring/run',
    {
      schema: {
        summary: 'Run one monitoring round now',
        description: 'Computes drift and live accuracy of every production version and evaluates the alert rules once.',
        tags: ['monitoring'],
      },
    },
    async () => {
      const round = await monitor.run();
      return { at: new Date(round.at).toISOString(), models: round.models, alerts: round.alerts };
    },
  );
}
