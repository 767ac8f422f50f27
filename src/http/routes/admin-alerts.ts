import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { parseTimeOrAgo } from '../../core/time.js';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import { alertRuleFromWire } from '../../protocol/admin/alert-dto.js';
import type { AlertRuleBody } from '../../protocol/admin/alerts-admin-api.js';
import * as S from './admin-alert-schemas.js';

/**
 * The alert routes of the admin API (under `/api`): rules (`/alerts/rules[/:name]`), current alerts (`/alerts`)
 * and history (`/alerts/history`). Thin: parse, call the AdminApi acting as the caller, answer its DTOs.
 */
export function registerAlertRoutes(app: FastifyInstance, admin: (req: FastifyRequest) => AdminApi, clock: Clock = systemClock): void {
  type Name = { Params: { name: string } };

  app.get('/alerts', { schema: S.listAlerts }, async (req) => ({ alerts: await admin(req).listAlerts() }));
  app.get('/alerts/rules', { schema: S.listRules }, async (req) => ({ rules: await admin(req).listAlertRules() }));
  app.get<Name>('/alerts/rules/:name', { schema: S.getRule }, (req) => admin(req).getAlertRule(req.params.name));
  app.put<Name & { Body: unknown }>('/alerts/rules/:name', { schema: S.putRule }, async (req, reply) => {
    // The domain schema checks the whole rule and names the field at fault; the cast is what it checks.
    const body = alertRuleFromWire(req.body) as AlertRuleBody;
    const answer = await admin(req).setAlertRule(req.params.name, body);
    return reply.code(answer.change === 'create' ? 201 : 200).send(answer);
  });
  app.delete<Name>('/alerts/rules/:name', { schema: S.deleteRule }, (req) => admin(req).deleteAlertRule(req.params.name));
  app.get<{ Querystring: S.HistoryQuery }>('/alerts/history', { schema: S.history }, (req) => {
    const q = req.query;
    const now = clock();
    return admin(req).alertHistory({
      rule: q.rule,
      model: q.model,
      since: q.since === undefined ? undefined : parseTimeOrAgo(q.since, now, 'since'),
      until: q.until === undefined ? undefined : parseTimeOrAgo(q.until, now, 'until'),
      limit: q.limit,
      cursor: q.cursor,
    });
  });
}
