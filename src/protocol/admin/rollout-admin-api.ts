import type { RolloutSettings } from '../../core/rollout/rollout-machine.js';
import type { RolloutStatusDto } from './rollout-dto.js';

/**
 * The canary-rollout part of the AdminApi, with the same two implementations: in-process (`ServiceRolloutAdmin`,
 * over the RolloutController) and over HTTP (`HttpRolloutClient`). Every call answers the model's rollout status.
 * Errors are the registry's MooringErrors in both: MODEL_NOT_FOUND, VERSION_NOT_FOUND, ROLLOUT_NOT_FOUND (no rollout
 * was started), ROLLOUT_CONFLICT (the phase does not allow it), INVALID_REQUEST naming a bad setting.
 */
export interface RolloutAdminApi {
  /**
   * Starts a rollout of `input.version`: a canary at the first step's weight, checked every `intervalMs` against
   * production, stepping up while the checks pass, promoted at 100%, rolled back when they fail.
   */
  startRollout(name: string, input: RolloutStartInput, reason?: string): Promise<RolloutStatusDto>;
  /** The model's latest rollout (null when none), its canary and its transitions. */
  rolloutStatus(name: string): Promise<RolloutStatusDto>;
  /** Holds a progressing rollout at its weight; no checks run until it is resumed. */
  pauseRollout(name: string, reason?: string): Promise<RolloutStatusDto>;
  /** Resumes a paused rollout; its step is watched anew from now. */
  resumeRollout(name: string, reason?: string): Promise<RolloutStatusDto>;
  /** Makes the canary production now, whatever its step. */
  promoteRollout(name: string, reason?: string): Promise<RolloutStatusDto>;
  /** Stops a running rollout: the canary takes no more traffic, production stays. */
  abortRollout(name: string, reason?: string): Promise<RolloutStatusDto>;
}

/** A rollout to start: the version and its settings (limits left out take their defaults). */
export type RolloutStartInput = { readonly version: number } & RolloutSettings;

/** The manual transitions, by the name their routes and commands use. */
export const ROLLOUT_ACTIONS = ['pause', 'resume', 'promote', 'abort'] as const;

/** One manual transition. */
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];
