import { fail } from '../../core/errors.js';
import type { Actor } from '../../core/registry/types.js';
import type { RolloutController } from '../../services/rollout/rollout-controller.js';
import type { RolloutAdminApi, RolloutStartInput } from './rollout-admin-api.js';
import { rolloutStatusDto } from './rollout-dto.js';
import type { RolloutStatusDto } from './rollout-dto.js';

/**
 * RolloutAdminApi over the in-process RolloutController, acting as one actor; ServiceAdmin delegates to it. Without a
 * controller (a context built without one) every method throws NOT_IMPLEMENTED.
 */
export class ServiceRolloutAdmin implements RolloutAdminApi {
  readonly #rollouts: RolloutController | null;
  readonly #actor: string;

  constructor(rollouts: RolloutController | null, actor: string) {
    this.#rollouts = rollouts;
    this.#actor = actor;
  }

  async startRollout(name: string, input: RolloutStartInput, reason?: string): Promise<RolloutStatusDto> {
    const { version, ...settings } = input;
    return rolloutStatusDto(await this.#controller().start(name, version, settings, this.#by(reason)));
  }

  async rolloutStatus(name: string): Promise<RolloutStatusDto> {
    return rolloutStatusDto(await this.#controller().status(name));
  }

  async pauseRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return rolloutStatusDto(await this.#controller().pause(name, this.#by(reason)));
  }

  async resumeRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return rolloutStatusDto(await this.#controller().resume(name, this.#by(reason)));
  }

  async promoteRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return rolloutStatusDto(await this.#controller().promote(name, this.#by(reason)));
  }

  async abortRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return rolloutStatusDto(await this.#controller().abort(name, this.#by(reason)));
  }

  #by(reason: string | undefined): Actor {
    return reason ? { actor: this.#actor, reason } : { actor: this.#actor };
  }

  #controller(): RolloutController {
    if (this.#rollouts === null) throw fail('NOT_IMPLEMENTED', 'canary rollouts are not available in this context');
    return this.#rollouts;
  }
}
