import type { FastifyInstance } from 'fastify';
import type { MooringContext } from '../../compose.js';
import type { ServerState } from '../app.js';
import type { ModelServingStatus } from '../../services/serving-pool.js';
import type { DeploymentPolicy } from '../../core/deployment/policy.js';
import type { DegradationTracker } from '../../services/resilience/degradation.js';

/**
 * Health: the protocol's live and ready probes (Kubernetes livenessProbe / readinessProbe), and `/api/health`
 * with the detail an operator needs: which models serve which version, which are not ready and why, and which are
 * degraded and why (an open circuit, a production version that cannot load, answers coming from fallbacks).
 * Readiness is false before start-up has loaded the production versions and from the moment shutdown begins; it
 * stays true while fallbacks serve (the process is up and answering: taking it out of the load balancer would
 * turn a degraded model into an outage).
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: MooringContext, state: ServerState): void {
  app.get('/v2/health/live', () => ({ live: true }));
  app.get('/v2/health/ready', (_req, reply) => {
    const ready = state.ready && !state.draining;
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/api/health', () => {
    const models = ctx.pool.status().map((m) => ({ ...modelHealth(m, ctx.degradation), delivery: delivery(ctx.pool.knownPolicy(m.name)) }));
    const degraded = models.some((m) => !m.ready || m.degraded);
    return {
      status: state.draining ? 'draining' : !state.ready ? 'starting' : degraded ? 'degraded' : 'ok',
      ready: state.ready && !state.draining,
      models,
    };
  });
}

/** One model's entry of `/api/health`. */
function modelHealth(m: ModelServingStatus, degradation: DegradationTracker) {
  const reasons: string[] = [];
  const version = m.production;
  if (m.productionAlias !== null && m.productionAlias !== version) {
    reasons.push(`production names version ${m.productionAlias}, which is not loaded${m.lastError ? ` (${m.lastError})` : ''}`);
  }
  if (version !== null && m.circuit !== null && m.circuit !== 'closed') {
    const cause = degradation.circuitOf(m.name, version)?.cause;
    reasons.push(`the circuit breaker of version ${version} is ${m.circuit === 'open' ? 'open' : 'half-open'}${cause ? ` after ${cause}` : ''}`);
  }
  const recent = degradation.recent(m.name);
  if (recent !== null) {
    const served = Object.values(recent.fallbacks).reduce((a, b) => a + b, 0);
    const why = Object.entries(recent.reasons)
      .map(([r, n]) => `${r}: ${n}`)
      .join(', ');
    if (served > 0) reasons.push(`${served} answer${served === 1 ? '' : 's'} came from fallbacks in the last minute (${why})`);
    if (recent.exhausted > 0) reasons.push(`${recent.exhausted} request${recent.exhausted === 1 ? '' : 's'} found no fallback in the last minute`);
  }
  return {
    name: m.name,
    ready: m.ready,
    degraded: reasons.length > 0,
    production_version: version,
    production_alias: m.productionAlias,
    previous_version: m.previous,
    loaded_versions: m.loaded,
    circuit: m.circuit,
    fallback_chain: m.fallbacks,
    degradation: reasons.length === 0 ? null : { reasons, fallbacks_last_minute: recent?.fallbacks ?? {}, exhausted_last_minute: recent?.exhausted ?? 0 },
    problem: m.ready ? null : (m.lastError ?? 'no production version loaded'),
    last_error: m.lastError,
  };
}

/** A model's traffic split as `/api/health` shows it: the canary, the shadows and the rollout's phase. */
function delivery(policy: DeploymentPolicy | undefined) {
  if (policy === undefined) return null;
  const { canary, shadows, experiment } = policy.routing;
  const rollout = policy.rollout;
  if (canary === null && shadows.length === 0 && rollout === null) return null;
  return {
    canary,
    shadows: shadows.map((s) => ({ version: s.version, sample: s.sample })),
    experiment: experiment === null ? null : { metric: experiment.metric },
    rollout: rollout === null ? null : { version: rollout.version, phase: rollout.phase, step: rollout.step, weight: rollout.step >= 0 ? (rollout.steps[rollout.step] ?? null) : 0 },
  };
}
