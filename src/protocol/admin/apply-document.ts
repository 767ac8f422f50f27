import { applyPolicyPatch } from '../../core/deployment/merge-policy.js';
import { DEFAULT_POLICY } from '../../core/deployment/policy.js';
import type { DeploymentPolicy, DeploymentPolicyInput } from '../../core/deployment/policy.js';
import { MooringError, fail } from '../../core/errors.js';
import { assertModelName } from '../../core/registry/names.js';
import { policyPatchFromDto } from './deployment-dto.js';

/**
 * The declarative file of `mooring apply`: a stream of documents, each `{kind: Deployment, model, policy, reason?}`
 * with the policy in snake_case as the admin API takes it. Decoding checks every document before anything is
 * written, so a file with one bad document changes nothing: the refusal names the document (1-based, in file order,
 * empty documents counted) and the field, e.g. `document 2 (model churn): fallback.chain: ...`.
 */

/** The document kinds `apply` knows. */
export const APPLY_KINDS = ['Deployment'] as const;

/** The fields a Deployment document may have. */
const DOCUMENT_FIELDS = new Set(['kind', 'model', 'policy', 'reason']);

/** One checked Deployment document. */
export interface DeploymentDocument {
  /** Its position in the file, from 1. */
  readonly index: number;
  readonly model: string;
  /** The policy as written (domain camelCase): what is sent with `replace`. */
  readonly patch: DeploymentPolicyInput;
  /** The complete policy it makes: `patch` with the defaults for what it leaves out. */
  readonly policy: DeploymentPolicy;
  /** The document's own reason, or null (the caller may supply one for the whole file). */
  readonly reason: string | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A MooringError like `e` with `where: ` before its message and `document` (and `model`) in its details. */
function located(e: unknown, where: string, index: number, model: string | null): unknown {
  if (!(e instanceof MooringError)) return e;
  // Policy fields are named as inside the policy (`fallback.chain`), whichever check refused them.
  const message = e.message.replace(/^invalid deployment policy: /, '').replace(/^policy\./, '');
  return fail(e.code, `${where}: ${message}`, { ...e.details, document: index, ...(model === null ? {} : { model }) });
}

/**
 * Checks a file's documents (`null` entries are empty documents, skipped) and answers one DeploymentDocument per
 * non-empty one, in file order. INVALID_REQUEST for a document that is not an object, an unknown `kind`, a missing
 * or repeated `model`, an unknown field, a `reason` that is not text, a missing `policy`, a policy the schema refuses,
 * or a file with no documents; INVALID_NAME for a model name the registry cannot hold.
 */
export function decodeApplyDocuments(values: readonly unknown[]): DeploymentDocument[] {
  const out: DeploymentDocument[] = [];
  const seen = new Map<string, number>();
  values.forEach((value, i) => {
    if (value === null || value === undefined) return;
    const index = i + 1;
    let where = `document ${index}`;
    if (!isPlainObject(value)) throw fail('INVALID_REQUEST', `${where}: expected an object {kind, model, policy}`, { document: index });
    if (!(APPLY_KINDS as readonly unknown[]).includes(value.kind)) {
      const got = value.kind === undefined ? 'kind is missing' : `kind ${JSON.stringify(value.kind)} is not known`;
      throw fail('INVALID_REQUEST', `${where}: ${got} (expected ${APPLY_KINDS.join(', ')})`, { document: index, field: 'kind' });
    }
    if (typeof value.model !== 'string' || value.model === '') {
      throw fail('INVALID_REQUEST', `${where}: model is missing (the name of the model the policy is for)`, { document: index, field: 'model' });
    }
    const model = value.model;
    where = `document ${index} (model ${model})`;
    try {
      assertModelName(model);
    } catch (e) {
      throw located(e, where, index, model);
    }
    const first = seen.get(model);
    if (first !== undefined) {
      throw fail('INVALID_REQUEST', `${where}: model ${model} is already in document ${first}; a file sets each model once`, {
        document: index,
        model,
        field: 'model',
      });
    }
    seen.set(model, index);
    const unknown = Object.keys(value).find((k) => !DOCUMENT_FIELDS.has(k));
    if (unknown !== undefined) {
      throw fail('INVALID_REQUEST', `${where}: ${unknown} is not a field of a Deployment document (kind, model, policy, reason)`, {
        document: index,
        model,
        field: unknown,
      });
    }
    if (value.reason !== undefined && value.reason !== null && typeof value.reason !== 'string') {
      throw fail('INVALID_REQUEST', `${where}: reason must be text`, { document: index, model, field: 'reason' });
    }
    if (value.policy === undefined || value.policy === null) {
      throw fail('INVALID_REQUEST', `${where}: policy is missing (write policy: {} for the defaults)`, { document: index, model, field: 'policy' });
    }
    for (const owned of ['routing', 'rollout']) {
      if (typeof value.policy === 'object' && Object.hasOwn(value.policy, owned)) {
        throw fail('INVALID_REQUEST', `${where}: policy.${owned} is set by the shadow, rollout and ab commands, not by a declaration`, {
          document: index,
          model,
          field: owned,
        });
      }
    }
    try {
      const patch = policyPatchFromDto(value.policy);
      const policy = applyPolicyPatch(DEFAULT_POLICY, patch);
      out.push({ index, model, patch, policy, reason: typeof value.reason === 'string' ? value.reason : null });
    } catch (e) {
      throw located(e, where, index, model);
    }
  });
  if (out.length === 0) throw fail('INVALID_REQUEST', 'the file holds no documents (expected kind: Deployment documents, separated by ---)');
  return out;
}
