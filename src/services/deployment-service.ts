import { isDeepStrictEqual } from 'node:util';
import { applyPolicyPatch } from '../core/deployment/merge-policy.js';
import { DEFAULT_POLICY } from '../core/deployment/policy.js';
import type { DeploymentPolicy, DeploymentPolicyInput, DeploymentRevision } from '../core/deployment/policy.js';
import { fail } from '../core/errors.js';
import { checkRulesFit } from '../core/fallback/rules.js';
import { PRODUCTION_ALIAS } from '../core/registry/names.js';
import type { Actor } from '../core/registry/types.js';
import type { RegistryStore } from '../storage/registry-store.js';
import type { RegistryService } from './registry-service.js';

/**
 * Deployment policies: how each model is served beyond which version answers (validation, throughput stages,
 * resilience). Every change is a new stored revision with an audit record, so "which policy was live at time T" has
 * an answer.
 *
 * `set` takes a patch, merges it onto the latest revision and validates the whole result; `replace` takes a whole
 * policy (defaults for what it leaves out) and ignores what the latest revision said. A write that changes
 * nothing writes nothing and answers the latest revision with `changed: false`: re-applying the same settings (a
 * script, a CI job) is idempotent and does not bury real changes in the history. Concurrent patches never
 * overwrite each other: the write is a compare-and-set on the revision that was read, retried on a race (a merge is
 * recomputed on the new revision; a replace still writes its policy, or nothing if the race already wrote it).
 */

/** What `set` and `replace` answer: the revision now in force, and whether this call wrote it. */
export interface DeploymentChange {
  readonly deployment: DeploymentRevision;
  readonly changed: boolean;
}

/** Who set the revision-0 answer of a model whose policy was never set. */
export const DEFAULT_POLICY_ACTOR = 'mooring';

/** Compare-and-set attempts before giving up; each lost race means another writer just succeeded. */
const MAX_ATTEMPTS = 10;

/** The deployment service: the one writer of deployment policies. */
export class DeploymentService {
  private readonly listeners: Array<(name: string) => void | Promise<void>> = [];

  constructor(
    private readonly store: RegistryStore,
    private readonly registry: RegistryService,
  ) {}

  /**
   * Calls `listener` after every policy change, so a server in this process re-reads at once; `set` and `replace`
   * return once the listeners have settled, so a policy set through this process is in force when the call answers.
   */
  onChange(listener: (name: string) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  /**
   * The policy in force: the latest revision, or revision 0 holding DEFAULT_POLICY (actor `mooring`, at the
   * model's creation) when none was ever set. MODEL_NOT_FOUND for an unknown model.
   */
  async show(name: string): Promise<DeploymentRevision> {
    const model = await this.registry.model(name);
    const latest = await this.store.getDeployment(name);
    return latest ?? { name, revision: 0, policy: DEFAULT_POLICY, actor: DEFAULT_POLICY_ACTOR, reason: null, at: model.createdAt };
  }

  /**
   * Merges `patch` onto the policy in force and stores the result as the next revision. INVALID_REQUEST naming
   * the field when the result is not a valid policy; MODEL_NOT_FOUND for an unknown model.
   */
  async set(name: string, patch: DeploymentPolicyInput, by: Actor): Promise<DeploymentChange> {
    return this.write(name, by, (current) => applyPolicyPatch(current, patch));
  }

  /**
   * Like `set`, with the patch computed from the policy in force by `change` (null: write nothing), on the very
   * revision the write is a compare-and-set on, and again after a lost race. A writer that may act only on the state
   * it saw (the rollout controller steps a rollout up only if it is still where it was analysed) returns null when
   * the state moved, so a change made meanwhile is never overwritten. What `change` throws is thrown.
   */
  async update(name: string, change: (current: DeploymentPolicy) => DeploymentPolicyInput | null, by: Actor): Promise<DeploymentChange> {
    return this.write(name, by, (current) => {
      const patch = change(current);
      return patch === null ? current : applyPolicyPatch(current, patch);
    });
  }

  /**
   * Makes `policy` the policy in force, whatever the current one says: what it leaves out takes the defaults, not
   * the current values (the declarative `mooring apply`). Same answers as `set`: a policy equal to the one in force
   * writes nothing (`changed: false`); INVALID_REQUEST naming the field; MODEL_NOT_FOUND for an unknown model.
   * `routing` and `rollout` are not the declaration's to set: they are kept as they are (the shadow, rollout and A/B
   * commands and the rollout controller own them), and a declaration naming them is refused.
   */
  async replace(name: string, policy: DeploymentPolicyInput, by: Actor): Promise<DeploymentChange> {
    for (const owned of ['routing', 'rollout'] as const) {
      if (policy[owned] !== undefined) {
        throw fail('INVALID_REQUEST', `invalid deployment policy: ${owned} is set by the shadow, rollout and ab commands, not by a declaration`, {
          field: owned,
        });
      }
    }
    const declared = applyPolicyPatch(DEFAULT_POLICY, policy);
    return this.write(name, by, (current) => ({ ...declared, routing: current.routing, rollout: current.rollout }));
  }

  /**
   * The one write path of `set` and `replace`: computes the next policy from the revision in force, writes it with a
   * compare-and-set on that revision (re-reading and recomputing on a lost race), and notifies the listeners.
   */
  private async write(name: string, by: Actor, nextOf: (current: DeploymentPolicy) => DeploymentPolicy): Promise<DeploymentChange> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.show(name);
      const next = nextOf(current.policy);
      if (isDeepStrictEqual(next, current.policy)) return { deployment: current, changed: false };
      await this.checkPolicyFitsModel(name, next);
      const written = await this.store.setDeploymentPolicy(name, next, by, current.revision);
      if (written !== null) {
        await Promise.all(this.listeners.map(async (l) => l(name)));
        return { deployment: written, changed: true };
      }
    }
    throw fail('INTERNAL', `the deployment policy of ${JSON.stringify(name)} kept changing while it was being set; try again`, {
      model: name,
    });
  }

  /**
   * Refuses a policy whose rule table does not fit the version `production` names (an unknown output or feature, a
   * value of the wrong shape or datatype): INVALID_REQUEST naming the field. With no production version there is
   * nothing to check against yet; the fallback chain checks the rules again against each version it serves.
   */
  private async checkPolicyFitsModel(name: string, policy: DeploymentPolicy): Promise<void> {
    const rules = policy.fallback.rules;
    if (rules === null) return;
    const model = await this.registry.model(name);
    const version = model.aliases[PRODUCTION_ALIAS];
    if (version === undefined) return;
    const meta = await this.store.getVersion(name, version);
    if (meta === null) return;
    checkRulesFit(rules, { features: meta.features, outputs: meta.signature.outputs });
  }

  /** Every stored revision, oldest first ([] when the policy was never set). MODEL_NOT_FOUND for an unknown model. */
  async history(name: string): Promise<DeploymentRevision[]> {
    await this.registry.model(name);
    return this.store.deploymentHistory(name);
  }
}
