import { fail } from '../errors.js';
import { describeIssue, issuePath, snakeCase } from '../schema-issue.js';
import { DeploymentPolicySchema } from './policy.js';
import type { DeploymentPolicy } from './policy.js';

/**
 * How a patch changes a deployment policy: merged key by key onto the current policy (objects merge, anything
 * else replaces, `undefined` leaves a field alone), then the whole result is validated, so a patch can never
 * leave a policy that the schema refuses. Pure.
 */

/** Keys that would reach an object's prototype if copied by assignment. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function merge(base: unknown, patch: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  for (const key of Object.keys(patch)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw fail('INVALID_REQUEST', `invalid deployment policy: ${path}${key} is not a policy field`, { field: `${path}${key}` });
    }
    const value = patch[key];
    if (value === undefined) continue;
    out[key] = isPlainObject(value) ? merge(out[key], value, `${path}${snakeCase(key)}.`) : value;
  }
  return out;
}

/**
 * The policy `patch` makes of `current`: a validated, complete DeploymentPolicy. Throws INVALID_REQUEST naming the
 * field (as the wire names it, e.g. `validation.range_tolerance`) when the patch is not an object or the result is
 * refused by DeploymentPolicySchema (unknown field, wrong type, out of range).
 */
export function applyPolicyPatch(current: DeploymentPolicy, patch: unknown): DeploymentPolicy {
  if (!isPlainObject(patch)) {
    throw fail('INVALID_REQUEST', 'a deployment policy patch must be an object, e.g. {"validation": {"anomalies": "reject"}}');
  }
  const parsed = DeploymentPolicySchema.safeParse(merge(current, patch, ''));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const path = issuePath([...issue.path, issue.keys[0] ?? ''], { root: '', key: snakeCase });
      throw fail('INVALID_REQUEST', `invalid deployment policy: ${path} is not a policy field`, { field: path });
    }
    const field = describeIssue(issue, { root: '', key: snakeCase });
    throw fail('INVALID_REQUEST', `invalid deployment policy: ${field}`, { field: issuePath(issue.path, { root: '', key: snakeCase }) });
  }
  return parsed.data;
}
