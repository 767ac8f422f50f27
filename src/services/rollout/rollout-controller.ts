import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { DeploymentPolicy, DeploymentRevision, Rollout } from '../../core/deployment/policy.js';
import { fail } from '../../core/errors.js';
import type { SignalWindow } from '../../core/monitoring/signals.js';
import { PRODUCTION_ALIAS } from '../../core/registry/names.js';
import type { Actor } from '../../core/registry/types.js';
import {
  abortRollout,
  applyCheck,
  checkDue,
  completePromotion,
  isActive,
  pauseRollout,
  promoteRollout,
  requireRollout,
  resumeRollout,
  sameRolloutState,
  startRollout,
} from '../../core/rollout/rollout-machine.js';
import type { CanaryRoute, CheckResult, RolloutEvent, RolloutSettings, RolloutTransition } from '../../core/rollout/rollout-machine.js';
import type { Scheduler } from '../../core/scheduler.js';
import { systemScheduler } from '../../core/scheduler.js';
import type { AlertStore } from '../../storage/alert-store.js';
import type { AlertRuleService } from '../alert-rules.js';
import type { AlertLogger } from '../alert-delivery.js';
import type { DeploymentService } from '../deployment-service.js';
import type { RegistryService } from '../registry-service.js';
import type { AnalysisInput } from './rollout-analysis.js';
import { ensureRollbackAlert } from './rollout-alert.js';
import { rolloutHistory } from './rollout-history.js';
import type { RolloutHistoryEntry } from './rollout-history.js';
import { LeasedLoop } from '../leased-loop.js';

/**
 * The rollout controller: starts canary rollouts, takes the manual transitions (pause, resume, promote, abort), and
 * runs a loop that checks each progressing rollout when its step's interval is over (RolloutAnalysis) and moves it
 * by the state machine of src/core/rollout/rollout-machine.ts.
 *
 * All state lives in the deployment policy: every transition is one policy revision (`rollout` and
 * `routing.canary` together, audited, with the transition's reason), so a restarted or another replica's controller
 * continues from the stored phase, and the serving pool routes by what was written. A promotion first moves
 * `production` to the canary (RegistryService.deploy: the version is already loaded and warm), then writes the
 * revision that clears the canary; the old production version stays loaded as the rollback target. A controller
 * that finds production already on the canary of a running rollout (it stopped between the two writes) completes
 * the promotion.
 *
 * With several replicas only the holder of the alert store's lease `rollouts` runs the loop's checks; the manual
 * transitions act from anywhere. Every write is a compare-and-set on the rollout's state as it was read
 * (DeploymentService.update), so a transition computed by a deposed leader, or racing a `pause`, is dropped rather
 * than overwriting what happened meanwhile.
 */

/** The actor of the transitions the loop makes. */
export const ROLLOUT_CONTROLLER_ACTOR = 'rollout-controller';

/** The lease the loop runs under. */
export const ROLLOUT_LEASE = 'rollouts';

/** Analyses a step; RolloutAnalysis in production, a stub in tests. */
export interface StepAnalyzer {
  analyze(input: AnalysisInput): Promise<CheckResult>;
}

/** What the controller needs. */
export interface RolloutControllerOptions {
  readonly deployments: DeploymentService;
  readonly registry: RegistryService;
  readonly analysis: StepAnalyzer;
  /** Where the lease is held (the alert store: one lease table per database). */
  readonly leases: Pick<AlertStore, 'acquireLease' | 'releaseLease'>;
  /** Where the rollback alert rule is ensured at start (null: no rule). */
  readonly alertRules?: AlertRuleService | null;
  readonly logger: AlertLogger;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** This process's name in the lease (default `host:pid:random`). */
  readonly holder?: string;
  /** How long the lease lasts without renewal (default: 3 loop intervals, at least 30 s). */
  readonly leaseTtlMs?: number;
}

/** A rollout and what surrounds it, as `status` and every transition answer. */
export interface RolloutStatus {
  readonly model: string;
  /** The version `production` points at now (null when none). */
  readonly production: number | null;
  /** The latest rollout of the model (running or finished), null when none was ever started. */
  readonly rollout: Rollout | null;
  /** The canary route in force. */
  readonly canary: CanaryRoute | null;
  /** The policy revision in force. */
  readonly revision: number;
  /** The transitions of the latest rollout, oldest first (from the policy revisions). */
  readonly history: readonly RolloutHistoryEntry[];
}

/** One transition a loop round made. */
export interface RolloutTickEntry {
  readonly model: string;
  readonly event: RolloutEvent;
  readonly reason: string;
}

/** What one loop round did. */
export interface RolloutTickReport {
  /** Whether this process held the lease. */
  readonly leader: boolean;
  readonly transitions: readonly RolloutTickEntry[];
}

interface ActiveRollout {
  readonly model: string;
  readonly rollout: Rollout;
  readonly production: number | null;
}

/** Starts, moves and reports canary rollouts; see the file comment. */
export class RolloutController {
  readonly #deployments: DeploymentService;
  readonly #registry: RegistryService;
  readonly #analysis: StepAnalyzer;
  readonly #alertRules: AlertRuleService | null;
  readonly #logger: AlertLogger;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #loop: LeasedLoop;
  /** The running rollouts as of a registry revision, so an idle round costs one read. */
  #active: { revision: number; rollouts: ActiveRollout[] } | null = null;

  constructor(options: RolloutControllerOptions) {
    this.#deployments = options.deployments;
    this.#registry = options.registry;
    this.#analysis = options.analysis;
    this.#alertRules = options.alertRules ?? null;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#loop = new LeasedLoop({
      leases: options.leases,
      name: ROLLOUT_LEASE,
      ...(options.holder === undefined ? {} : { holder: options.holder }),
      ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
      defaultTtlMs: 30_000,
      clock: this.#clock,
      scheduler: this.#scheduler,
      logger: this.#logger,
      what: 'rollout loop',
    });
  }

  /** This process's name in the lease. */
  get holder(): string {
    return this.#loop.holder;
  }

  /**
   * Starts a rollout of `version`: a canary at the first step's weight, checked every `settings.intervalMs`.
   * VERSION_NOT_FOUND / MODEL_NOT_FOUND; ROLLOUT_CONFLICT when the model has no production version, `version` is it,
   * or another rollout is progressing or paused; INVALID_REQUEST naming a bad setting. Ensures the alert rule
   * `rollout-<model>` that fires when the rollout is rolled back.
   */
  async start(name: string, version: number, settings: RolloutSettings, by: Actor): Promise<RolloutStatus> {
    await this.#registry.version(name, version);
    const production = (await this.#registry.model(name)).aliases[PRODUCTION_ALIAS];
    if (production === undefined) {
      throw fail('ROLLOUT_CONFLICT', `model ${JSON.stringify(name)} has no production version to compare a canary with: deploy one first`, {
        model: name,
      });
    }
    await this.#transition(name, by, (r, now, policy) => {
      refuseForeignCanary(name, r, policy);
      return startRollout(name, r, { version, baselineVersion: production, settings }, now);
    });
    if (this.#alertRules !== null) await ensureRollbackAlert(this.#alertRules, name, by, this.#logger);
    return this.status(name);
  }

  /** The model's latest rollout, its canary and its transitions. MODEL_NOT_FOUND for an unknown model. */
  async status(name: string): Promise<RolloutStatus> {
    const [current, model, revisions] = await Promise.all([this.#deployments.show(name), this.#registry.model(name), this.#deployments.history(name)]);
    const rollout = current.policy.rollout;
    return {
      model: name,
      production: model.aliases[PRODUCTION_ALIAS] ?? null,
      rollout,
      canary: current.policy.routing.canary,
      revision: current.revision,
      history: rollout === null ? [] : rolloutHistory(revisions, rollout),
    };
  }

  /** Pauses a progressing rollout (the weight stays, checks stop). ROLLOUT_NOT_FOUND; ROLLOUT_CONFLICT unless progressing. */
  pause(name: string, by: Actor): Promise<RolloutStatus> {
    return this.#manual(name, by, (r, now) => pauseRollout(name, r, now));
  }

  /** Resumes a paused rollout; its step is watched anew from now. ROLLOUT_NOT_FOUND; ROLLOUT_CONFLICT unless paused. */
  resume(name: string, by: Actor): Promise<RolloutStatus> {
    return this.#manual(name, by, (r, now) => resumeRollout(name, r, now));
  }

  /** Promotes a running rollout now: the canary becomes production. ROLLOUT_NOT_FOUND; ROLLOUT_CONFLICT when finished. */
  promote(name: string, by: Actor): Promise<RolloutStatus> {
    return this.#manual(name, by, (r, now) => promoteRollout(name, r, now));
  }

  /** Aborts a running rollout: the canary takes no more traffic. ROLLOUT_NOT_FOUND; ROLLOUT_CONFLICT when finished. */
  abort(name: string, by: Actor): Promise<RolloutStatus> {
    return this.#manual(name, by, (r, now) => abortRollout(name, r, now));
  }

  /**
   * Signal `rollout_rolled_back`: 1 when the model's latest rollout was rolled back within the window (its
   * `step_started_at` is when it rolled back), else 0. MODEL_NOT_FOUND for an unknown model.
   */
  async rolloutRolledBack(w: SignalWindow): Promise<number | null> {
    const r = (await this.#deployments.show(w.model)).policy.rollout;
    if (r === null || r.phase !== 'rolled_back') return 0;
    return r.stepStartedAt >= this.#clock() - w.windowMs ? 1 : 0;
  }

  /**
   * One round at time `now`: takes or renews the lease (or returns `leader: false`), then for each running rollout
   * completes an interrupted promotion, or, when its step's interval is over, analyses the step and applies the
   * result. A failure is logged per model and does not stop the others.
   */
  async tick(now: number = this.#clock()): Promise<RolloutTickReport> {
    if (!(await this.#loop.acquire())) return { leader: false, transitions: [] };
    const transitions: RolloutTickEntry[] = [];
    for (const a of await this.#runningRollouts()) {
      try {
        const t = await this.#advance(a, now);
        if (t !== null) transitions.push({ model: a.model, event: t.event, reason: t.reason });
      } catch (e) {
        this.#logger.error({ model: a.model, err: (e as Error).message }, 'rollout step failed; it is tried again next round');
      }
    }
    return { leader: true, transitions };
  }

  /**
   * Runs `tick` every `intervalMs` (the first at once) until `stop`; rounds never overlap. The lease lasts 3
   * intervals (at least 30 s) unless `leaseTtlMs` was given.
   */
  startLoop(intervalMs: number): void {
    this.#loop.start(intervalMs, () => this.tick());
  }

  /** Stops the loop, waits for the round in flight and releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** One running rollout's due work at `now`: the transition written, or null when there was nothing to do. */
  async #advance(a: ActiveRollout, now: number): Promise<RolloutTransition | null> {
    const r = a.rollout;
    const by = { actor: ROLLOUT_CONTROLLER_ACTOR };
    if (a.production === r.version) return this.#commit(a.model, r, completePromotion(a.model, r, now), by);
    if (a.production === null || !checkDue(r, now)) return null;
    const result = await this.#analysis.analyze({ model: a.model, rollout: r, production: a.production, now });
    const t = applyCheck(a.model, r, result);
    if (t === null) return null;
    // A round that outlived its lease (a long analysis) leaves the step to the new holder.
    if (!this.#loop.held()) return null;
    return this.#commit(a.model, r, t, by);
  }

  /** The running rollouts, re-read only when the registry changed since the last round. */
  async #runningRollouts(): Promise<ActiveRollout[]> {
    const revision = await this.#registry.store.revision();
    if (this.#active?.revision === revision) return this.#active.rollouts;
    const rollouts: ActiveRollout[] = [];
    for (const model of await this.#registry.store.listModels()) {
      const d = await this.#deployments.show(model.name);
      const r = d.policy.rollout;
      if (isActive(r)) rollouts.push({ model: model.name, rollout: r, production: model.aliases[PRODUCTION_ALIAS] ?? null });
    }
    this.#active = { revision, rollouts };
    return rollouts;
  }

  /** A manual transition computed on the stored state; retried when the state moved between the read and the write. */
  async #manual(name: string, by: Actor, make: (r: Rollout | null, now: number) => RolloutTransition): Promise<RolloutStatus> {
    await this.#transition(name, by, (r, now) => {
      requireRollout(name, r);
      return make(r, now);
    });
    return this.status(name);
  }

  async #transition(name: string, by: Actor, make: (r: Rollout | null, now: number, policy: DeploymentPolicy) => RolloutTransition): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before: DeploymentRevision = await this.#deployments.show(name);
      const t = make(before.policy.rollout, this.#clock(), before.policy);
      if ((await this.#commit(name, before.policy.rollout, t, by)) !== null) return;
    }
    throw fail('ROLLOUT_CONFLICT', `the rollout of ${JSON.stringify(name)} kept changing while it was being changed; try again`, { model: name });
  }

  /**
   * Writes a transition computed on `read` (the rollout as it was read): production first when it promotes, then the
   * policy revision, only if the stored rollout is still `read`. Null when it was not (nothing written).
   */
  async #commit(name: string, read: Rollout | null, t: RolloutTransition, by: Actor): Promise<RolloutTransition | null> {
    const reason = by.reason ? `${t.reason}: ${by.reason}` : t.reason;
    if (t.production !== null) await this.#registry.deploy(name, t.production, { actor: by.actor, reason });
    let stale = false;
    const patch = { rollout: t.rollout, routing: { canary: t.canary } };
    const change = await this.#deployments.update(
      name,
      (policy: DeploymentPolicy) => {
        stale = !sameRolloutState(policy.rollout, read);
        return stale ? null : patch;
      },
      { actor: by.actor, reason },
    );
    if (stale) {
      this.#logger.warn({ model: name, event: t.event }, 'rollout transition dropped: the rollout changed meanwhile');
      return null;
    }
    const log = { model: name, version: t.rollout.version, event: t.event, phase: t.rollout.phase, revision: change.deployment.revision };
    if (t.event === 'roll_back') this.#logger.warn(log, `rollout rolled back: ${reason}`);
    else this.#logger.info(log, `rollout ${t.event.replace('_', ' ')}: ${reason}`);
    return t;
  }
}

/**
 * A rollout owns `routing.canary`: it does not start over an A/B test's split or a canary set by hand (ROLLOUT_CONFLICT),
 * which it would silently replace. A canary left by a running rollout is the machine's to refuse.
 */
function refuseForeignCanary(name: string, r: Rollout | null, policy: DeploymentPolicy): void {
  const routing = policy.routing;
  if (routing.experiment !== null) {
    throw fail('ROLLOUT_CONFLICT', `model ${JSON.stringify(name)} runs an A/B test of version ${routing.canary?.version ?? '?'}: stop it first (\`mooring ab stop\`)`, {
      model: name,
    });
  }
  if (routing.canary !== null && !isActive(r)) {
    throw fail('ROLLOUT_CONFLICT', `model ${JSON.stringify(name)} has a canary (version ${routing.canary.version} at ${routing.canary.weight}%) set outside a rollout: clear it first`, {
      model: name,
    });
  }
}
