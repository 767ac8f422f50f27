import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import { feedbackItemsFromBody } from '../../protocol/admin/monitoring-dto.js';
import type { FeedbackItemDto } from '../../protocol/admin/monitoring-dto.js';
import * as S from './admin-predictions-schemas.js';

/**
 * The prediction log over HTTP (under `/api`, admin token): list a model's predictions, send ground-truth labels,
 * read live accuracy. Thin: parse, call the AdminApi acting as the caller, answer its DTOs.
 */
export function registerPredictionRoutes(app: FastifyInstance, admin: (req: FastifyRequest) => AdminApi): void {
  type Name = { Params: { name: string } };
  app.get<Name & { Querystring: S.ListPredictionsQuery }>('/models/:name/predictions', { schema: S.listPredictions }, (req) =>
    admin(req).listPredictions(req.params.name, req.query),
  );
  app.get<Name & { Querystring: S.AccuracyRouteQuery }>('/models/:name/accuracy', { schema: S.accuracy }, (req) =>
    admin(req).accuracy(req.params.name, req.query),
  );
  app.post<{ Body: unknown }>('/feedback', { schema: S.sendFeedback }, (req) =>
    // The items are checked whole by the feedback service (it names the first bad one) before anything is stored.
    admin(req).sendFeedback(feedbackItemsFromBody(req.body) as FeedbackItemDto[]),
  );
}
