import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatModelRef, parseSelector, parseVersion } from '../../core/registry/names.js';
import { parseTime } from '../../core/time.js';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { fail } from '../../core/errors.js';
import { policyPatchFromDto } from '../../protocol/admin/deployment-dto.js';
import { profileFromDto } from '../../protocol/admin/profile-dto.js';
import * as D from './admin-deployment-schemas.js';
import * as S from './admin-schemas.js';
import { registerPredictionRoutes } from './admin-predictions.js';
import { registerDriftRoutes } from './admin-drift.js';
import { registerAlertRoutes } from './admin-alerts.js';

/**
 * Body limit of `POST /api/models/:name/versions`: a version may carry its training profile, which keeps up to
 * 100,000 sampled values per column and so runs to a few MB, or tens for wide models. Every other JSON route keeps
 * the server's `server.bodyLimitBytes` (and this one takes that instead when it is higher).
 */
export const CREATE_VERSION_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The admin API over HTTP: thin handlers that parse, call the AdminApi acting as the caller, and answer its DTOs.
 * Registration is two calls, as in content-addressed stores: upload the bytes (`POST /api/artifacts`), then create
 * the version naming the digest. The API never takes a filesystem path (Triton and MLflow path-traversal lessons).
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  adminAs: (actor: string) => AdminApi,
  artifacts: ArtifactStore,
  artifactLimitBytes: number,
): void {
  // Paths are relative to the `/api` prefix this plugin is registered under (see app.ts).
  const admin = (req: FastifyRequest): AdminApi => {
    const h = req.headers['x-mooring-actor'];
    const who = typeof h === 'string' && h.length > 0 && h.length <= 200 ? h : 'api';
    return adminAs(`api:${who}`);
  };
  type Name = { Params: { name: string } };

  app.get('/models', { schema: S.listModels }, async (req) => ({ models: await admin(req).listModels() }));
  app.get<Name>('/models/:name', { schema: S.getModel }, (req) => admin(req).getModel(req.params.name));
  app.get<{ Params: { name: string; selector: string } }>('/models/:name/versions/:selector', { schema: S.getVersion }, (req) => {
    return admin(req).getVersion(formatModelRef(parseSelector(req.params.name, req.params.selector)));
  });
  app.get<{ Params: { name: string; selector: string } }>('/models/:name/versions/:selector/profile', { schema: S.getProfile }, (req) => {
    return admin(req).getProfile(formatModelRef(parseSelector(req.params.name, req.params.selector)));
  });

  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: artifactLimitBytes }, (_req, body, done) =>
    done(null, body),
  );
  app.post('/artifacts', { schema: S.uploadArtifact, bodyLimit: artifactLimitBytes }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw fail('INVALID_REQUEST', 'send the artifact bytes as the body with Content-Type: application/octet-stream');
    }
    const ref = await artifacts.put(new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.length), 'onnx');
    return reply.code(201).send({ sha256: ref.sha256, size_bytes: ref.sizeBytes, format: ref.format });
  });

  // Never below the server's own limit, should that be configured higher.
  const createOptions = { schema: S.createVersion, bodyLimit: Math.max(CREATE_VERSION_BODY_LIMIT_BYTES, app.initialConfig.bodyLimit ?? 0) };
  app.post<Name & { Body: S.CreateVersionBody }>('/models/:name/versions', createOptions, async (req, reply) => {
    const b = req.body;
    const bytes = await artifacts.get(b.artifact_sha256);
    const created = await admin(req).register({
      name: req.params.name,
      artifact: bytes,
      metrics: b.metrics,
      params: b.params,
      tags: b.tags,
      datasetVersion: b.dataset_version ?? null,
      trainedAt: b.trained_at === undefined || b.trained_at === null ? null : String(b.trained_at),
      description: b.description ?? null,
      source: b.source ?? null,
      alias: b.alias ?? null,
      features: b.features ?? null,
      profile: b.profile === undefined || b.profile === null ? null : profileFromDto(b.profile),
    });
    return reply.code(201).send(created);
  });

  type AliasRoute = { Params: { name: string; alias: string } };
  app.put<AliasRoute & { Body: { version: number | string; reason?: string } }>(
    '/models/:name/aliases/:alias',
    { schema: S.setAlias },
    (req) => admin(req).setAlias(req.params.name, req.params.alias, parseVersion(req.body.version), req.body.reason),
  );
  app.delete<AliasRoute & { Querystring: { reason?: string } }>('/models/:name/aliases/:alias', { schema: S.deleteAlias }, (req) =>
    admin(req).deleteAlias(req.params.name, req.params.alias, req.query.reason),
  );
  app.get<AliasRoute & { Querystring: { time: string } }>('/models/:name/aliases/:alias/at', { schema: S.aliasAt }, (req) =>
    admin(req).aliasAt(req.params.name, req.params.alias, parseTime(req.query.time)),
  );
  app.post<Name & { Body: { version: number | string; reason?: string } }>('/models/:name/deploy', { schema: S.deploy }, (req) =>
    admin(req).deploy(req.params.name, parseVersion(req.body.version), req.body.reason),
  );
  app.post<Name & { Body: { reason?: string } | undefined }>('/models/:name/rollback', { schema: S.rollback }, (req) =>
    admin(req).rollback(req.params.name, req.body?.reason),
  );
  app.get<Name & { Querystring: { alias?: string } }>('/models/:name/history', { schema: S.history }, async (req) => ({
    events: await admin(req).history(req.params.name, req.query.alias),
  }));
  app.get<Name>('/models/:name/deployment', { schema: D.getDeployment }, (req) => admin(req).getDeployment(req.params.name));
  app.put<Name & { Body: D.SetDeploymentBody }>('/models/:name/deployment', { schema: D.setDeployment }, (req) =>
    admin(req).setDeployment(req.params.name, policyPatchFromDto(req.body.policy), req.body.reason, { replace: req.body.replace === true }),
  );
  app.get<Name>('/models/:name/deployment/history', { schema: D.deploymentHistory }, async (req) => ({
    revisions: await admin(req).deploymentHistory(req.params.name),
  }));
  app.get<{ Querystring: { target?: string; limit?: number } }>('/audit', { schema: S.audit }, async (req) => ({
    records: await admin(req).audit({ target: req.query.target, limit: req.query.limit }),
  }));
  registerPredictionRoutes(app, admin);
  registerDriftRoutes(app, admin);
  registerAlertRoutes(app, admin);
}
