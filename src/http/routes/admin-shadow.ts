import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import * as S from './admin-shadow-schemas.js';

/**
 * The shadow and replay routes of the admin API (under `/api`): start and stop shadows (policy changes), the shadow
 * report, and replay of logged requests on a version. Thin: parse, call the AdminApi acting as the caller, answer its
 * DTOs.
 */
export function registerShadowRoutes(app: FastifyInstance, adminAs: (actor: string) => AdminApi): void {
  // The caller as the other admin routes name it (see admin.ts).
  const admin = (req: FastifyRequest): AdminApi => {
    const h = req.headers['x-mooring-actor'];
    const who = typeof h === 'string' && h.length > 0 && h.length <= 200 ? h : 'api';
    return adminAs(`api:${who}`);
  };
  type Name = { Params: { name: string } };
  type NameVersion = { Params: { name: string; version: number } };

  app.post<Name & { Body: S.StartShadowBody }>('/models/:name/shadows', { schema: S.startShadow }, (req) =>
    admin(req).startShadow(req.params.name, req.body.version, req.body.sample === undefined ? {} : { sample: req.body.sample }),
  );
  app.delete<Name>('/models/:name/shadows', { schema: S.stopShadows }, (req) => admin(req).stopShadow(req.params.name));
  app.delete<NameVersion>('/models/:name/shadows/:version', { schema: S.stopShadow }, (req) =>
    admin(req).stopShadow(req.params.name, req.params.version),
  );
  app.get<Name & { Querystring: S.ReportQuery }>('/models/:name/shadows/report', { schema: S.onlyShadowReport }, (req) =>
    admin(req).shadowReport(req.params.name, req.query),
  );
  app.get<NameVersion & { Querystring: S.ReportQuery }>('/models/:name/shadows/:version/report', { schema: S.shadowReport }, (req) =>
    admin(req).shadowReport(req.params.name, { ...req.query, version: req.params.version }),
  );
  app.post<Name & { Body: S.ReplayBody }>('/models/:name/replay', { schema: S.replay }, (req) => {
    const { version, ...options } = req.body;
    return admin(req).replay(req.params.name, version, options);
  });
}
