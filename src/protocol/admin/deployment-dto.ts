import type { DeploymentPolicy, DeploymentPolicyInput, DeploymentRevision } from '../../core/deployment/policy.js';
import type { DeploymentChange } from '../../services/deployment-service.js';
import { iso } from './dto.js';
import { fromSnakeKeys, toSnakeKeys } from './wire-case.js';
import type { SnakeKeys } from './wire-case.js';

/** Deployment policies on the wire: the domain policy with snake_case keys (`validation.range_tolerance`). */

/** A whole deployment policy as the admin API shows it. */
export type DeploymentPolicyDto = SnakeKeys<DeploymentPolicy>;

/** A policy patch as the admin API takes it: any field may be left out. */
export type DeploymentPolicyPatchDto = SnakeKeys<DeploymentPolicyInput>;

/** One revision of a model's deployment policy; revision 0 is the default policy of a model that never set one. */
export interface DeploymentDto {
  name: string;
  revision: number;
  policy: DeploymentPolicyDto;
  actor: string;
  reason: string | null;
  at: string;
}

/** What setting a policy answers: the revision in force, and whether this request wrote it. */
export interface DeploymentChangeDto extends DeploymentDto {
  /** False when the patch changed nothing: no revision was written and `revision` is the one already in force. */
  changed: boolean;
}

/** Maps a deployment revision to its DTO. */
export function deploymentDto(d: DeploymentRevision): DeploymentDto {
  return { name: d.name, revision: d.revision, policy: toSnakeKeys(d.policy), actor: d.actor, reason: d.reason, at: iso(d.at) };
}

/** Maps the answer of DeploymentService.set to its DTO. */
export function deploymentChangeDto(c: DeploymentChange): DeploymentChangeDto {
  return { ...deploymentDto(c.deployment), changed: c.changed };
}

/** A wire patch (snake_case) as the domain's DeploymentPolicyInput; the service validates what it holds. */
export function policyPatchFromDto(patch: unknown): DeploymentPolicyInput {
  // The cast names what DeploymentService.set checks in full (applyPolicyPatch + DeploymentPolicySchema).
  return fromSnakeKeys(patch, 'policy') as DeploymentPolicyInput;
}

/** A domain patch as the wire's snake_case. */
export function policyPatchDto(patch: DeploymentPolicyInput): DeploymentPolicyPatchDto {
  return toSnakeKeys(patch);
}
