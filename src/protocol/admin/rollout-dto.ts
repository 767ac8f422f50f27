import type { RolloutCheck, RolloutPhase } from '../../core/deployment/policy.js';
import { nextCheckAt, rolloutWeight } from '../../core/rollout/rollout-machine.js';
import type { RolloutStatus } from '../../services/rollout/rollout-controller.js';
import { iso } from './dto.js';

/** Canary rollouts on the wire: snake_case fields, times as ISO-8601. */

/** One check of a rollout analysis: the canary's value, production's, the limit, the verdict. */
export interface RolloutCheckDto {
  name: RolloutCheck['name'];
  /** The canary's value (`latency_ratio`: canary p99 / production p99); null: no data, the check was skipped. */
  value: number | null;
  /** Production's value (`latency_ratio`: its p99 in milliseconds); null when not compared. */
  baseline: number | null;
  limit: number;
  passed: boolean;
}

/** A rollout: its settings, where it is, and its last check. */
export interface RolloutDto {
  version: number;
  /** The version production held when the rollout started (the rollback target once promoted). */
  baseline_version: number;
  phase: RolloutPhase;
  /** Index into `steps` (-1 after a rollback or an abort). */
  step: number;
  steps: number[];
  /** The canary weight in force, in percent (0 when finished). */
  weight: number;
  interval_ms: number;
  max_error_rate: number;
  max_latency_ratio: number;
  max_drift: number;
  max_accuracy_drop: number;
  min_requests: number;
  max_failed_checks: number;
  weighted_rollback: boolean;
  /** Failed checks in a row at this step. */
  failed_checks: number;
  started_at: string;
  /** When the current step's window began (for a finished rollout: when it finished). */
  step_started_at: string;
  /** When the step's check is due; null unless progressing. A check waits past it for `min_requests`. */
  next_check_at: string | null;
  last_check: { at: string; passed: boolean | null; checks: RolloutCheckDto[] } | null;
}

/** One transition, from the deployment policy revisions. */
export interface RolloutHistoryEntryDto {
  revision: number;
  at: string;
  actor: string;
  reason: string | null;
  phase: RolloutPhase;
  step: number;
  weight: number;
}

/** What every rollout call answers: the model's latest rollout, its canary, its transitions. */
export interface RolloutStatusDto {
  model: string;
  /** The version `production` serves now (null when none). */
  production_version: number | null;
  /** The deployment policy revision in force. */
  revision: number;
  canary: { version: number; weight: number } | null;
  /** Null when no rollout was ever started. */
  rollout: RolloutDto | null;
  /** The latest rollout's transitions, oldest first. */
  history: RolloutHistoryEntryDto[];
}

/** Maps a RolloutStatus to its DTO. */
export function rolloutStatusDto(s: RolloutStatus): RolloutStatusDto {
  const r = s.rollout;
  const due = r === null ? null : nextCheckAt(r);
  return {
    model: s.model,
    production_version: s.production,
    revision: s.revision,
    canary: s.canary === null ? null : { version: s.canary.version, weight: s.canary.weight },
    rollout:
      r === null
        ? null
        : {
            version: r.version,
            baseline_version: r.baselineVersion,
            phase: r.phase,
            step: r.step,
            steps: [...r.steps],
            weight: rolloutWeight(r),
            interval_ms: r.intervalMs,
            max_error_rate: r.maxErrorRate,
            max_latency_ratio: r.maxLatencyRatio,
            max_drift: r.maxDrift,
            max_accuracy_drop: r.maxAccuracyDrop,
            min_requests: r.minRequests,
            max_failed_checks: r.maxFailedChecks,
            weighted_rollback: r.weightedRollback,
            failed_checks: r.failedChecks,
            started_at: iso(r.startedAt),
            step_started_at: iso(r.stepStartedAt),
            next_check_at: due === null ? null : iso(due),
            last_check:
              r.lastCheck === null
                ? null
                : { at: iso(r.lastCheck.at), passed: r.lastCheck.passed, checks: r.lastCheck.checks.map((c) => ({ ...c })) },
          },
    history: s.history.map((h) => ({ revision: h.revision, at: iso(h.at), actor: h.actor, reason: h.reason, phase: h.phase, step: h.step, weight: h.weight })),
  };
}

/** The settings `rollout start` takes, as the wire names them (only `version`, `steps` and `interval_ms` required). */
export interface RolloutStartBody {
  version: number;
  steps: number[];
  interval_ms: number;
  max_error_rate?: number;
  max_latency_ratio?: number;
  max_drift?: number;
  max_accuracy_drop?: number;
  min_requests?: number;
  max_failed_checks?: number;
  weighted_rollback?: boolean;
  reason?: string;
}
