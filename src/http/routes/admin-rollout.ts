import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import type { RolloutStartBody } from '../../protocol/admin/rollout-dto.js';
import * as S from './admin-rollout-schemas.js';

/**
 * The canary-rollout routes of the admin API (under `/api`): start (`POST /models/{name}/rollout`), status (`GET`),
 * and the manual transitions (`POST .../rollout/pause|resume|promote|abort`). Thin: parse, call the AdminApi acting
 * as the caller, answer its DTOs.
 */
export function registerRolloutRoutes(app: FastifyInstance, adminAs: (actor: string) => AdminApi): void {
  // The caller as the other admin routes name it (see admin.ts).
  const admin = (req: FastifyRequest): AdminApi => {
    const h = req.headers['x-mooring-actor'];
    const who = typeof h === 'string' && h.length > 0 && h.length <= 200 ? h : 'api';
    return adminAs(`api:${who}`);
  };
  type Name = { Params: { name: string } };

  app.post<Name & { Body: RolloutStartBody }>('/models/:name/rollout', { schema: S.startRollout }, async (req, reply) => {
    const b = req.body;
    const status = await admin(req).startRollout(
      req.params.name,
      {
        version: b.version,
        steps: b.steps,
        intervalMs: b.interval_ms,
        maxErrorRate: b.max_error_rate,
        maxLatencyRatio: b.max_latency_ratio,
        maxDrift: b.max_drift,
        maxAccuracyDrop: b.max_accuracy_drop,
        minRequests: b.min_requests,
        maxFailedChecks: b.max_failed_checks,
        weightedRollback: b.weighted_rollback,
      },
      b.reason,
    );
    return reply.code(201).send(status);
  });
  app.get<Name>('/models/:name/rollout', { schema: S.rolloutStatus }, (req) => admin(req).rolloutStatus(req.params.name));
  const actions = [
    ['pause', 'Pause a rollout: the weight stays, checks stop', (a: AdminApi, name: string, reason?: string) => a.pauseRollout(name, reason)],
    ['resume', 'Resume a paused rollout; its step is watched anew', (a: AdminApi, name: string, reason?: string) => a.resumeRollout(name, reason)],
    ['promote', 'Promote the canary to production now', (a: AdminApi, name: string, reason?: string) => a.promoteRollout(name, reason)],
    ['abort', 'Abort a rollout: the canary takes no more traffic', (a: AdminApi, name: string, reason?: string) => a.abortRollout(name, reason)],
  ] as const;
  for (const [action, summary, call] of actions) {
    app.post<Name & { Body: S.ReasonBody }>(
      `/models/:name/rollout/${action}`,
      {
        schema: S.transition(summary),
        // A POST with no body at all (`curl -X POST`) is a transition without a reason.
        preValidation: (req, _reply, done) => {
          req.body ??= {};
          done();
        },
      },
      (req) => call(admin(req), req.params.name, req.body.reason),
    );
  }
}
