import type { DeploymentRevision, Rollout, RolloutPhase } from '../../core/deployment/policy.js';
import { sameRolloutState } from '../../core/rollout/rollout-machine.js';

/** One transition of a rollout as the policy revisions recorded it. */
export interface RolloutHistoryEntry {
  /** The policy revision the transition wrote. */
  readonly revision: number;
  readonly at: number;
  /** Who made it: `rollout-controller` for the loop's steps, the caller for start, pause, resume, promote, abort. */
  readonly actor: string;
  /** What happened and why (the checks that passed or failed). */
  readonly reason: string | null;
  readonly phase: RolloutPhase;
  readonly step: number;
  /** The canary weight the revision left in force (0 when it left no canary). */
  readonly weight: number;
}

/**
 * The transitions of `rollout` (one run: its version and start time) in a model's policy revisions, oldest first:
 * each revision whose rollout state differs from the revision before. Revisions that changed something else
 * (validation, a shadow) are left out. Pure.
 */
export function rolloutHistory(revisions: readonly DeploymentRevision[], rollout: Rollout): RolloutHistoryEntry[] {
  const entries: RolloutHistoryEntry[] = [];
  let previous: Rollout | null = null;
  for (const d of revisions) {
    const r = d.policy.rollout;
    const ours = r !== null && r.version === rollout.version && r.startedAt === rollout.startedAt;
    if (ours && !sameRolloutState(previous, r)) {
      entries.push({
        revision: d.revision,
        at: d.at,
        actor: d.actor,
        reason: d.reason,
        phase: r.phase,
        step: r.step,
        weight: d.policy.routing.canary?.version === r.version ? d.policy.routing.canary.weight : 0,
      });
    }
    previous = r;
  }
  return entries;
}
