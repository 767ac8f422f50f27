import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import * as S from './admin-ab-schemas.js';

/**
 * The A/B test routes of the admin API (under `/api`): start (`POST /models/:name/ab`) and stop (`DELETE`), both
 * policy changes, and the report (`GET /models/:name/ab/report`). Thin: parse, call the AdminApi acting as the
 * caller, answer its DTOs.
 */
export function registerAbRoutes(app: FastifyInstance, adminAs: (actor: string) => AdminApi): void {
  // The caller as the other admin routes name it (see admin.ts).
  const admin = (req: FastifyRequest): AdminApi => {
    const h = req.headers['x-mooring-actor'];
    const who = typeof h === 'string' && h.length > 0 && h.length <= 200 ? h : 'api';
    return adminAs(`api:${who}`);
  };
  type Name = { Params: { name: string } };

  app.post<Name & { Body: S.StartAbBody }>('/models/:name/ab', { schema: S.startAb }, (req) => {
    const { version, ...options } = req.body;
    return admin(req).startAb(req.params.name, version, options);
  });
  app.delete<Name>('/models/:name/ab', { schema: S.stopAb }, (req) => admin(req).stopAb(req.params.name));
  app.get<Name & { Querystring: S.ReportQuery }>('/models/:name/ab/report', { schema: S.abReport }, (req) =>
    admin(req).abReport(req.params.name, req.query),
  );
}
