import { DeploymentPolicySchema } from '../../core/deployment/policy.js';
import type { DeploymentRevision } from '../../core/deployment/policy.js';
import { fail } from '../../core/errors.js';
import type { FeatureSignature } from '../../core/features/feature-spec.js';
import type { Signature } from '../../core/inference/tensor.js';
import type { VersionProfile } from '../../core/profile/types.js';
import type {
  AliasEvent,
  AuditRecord,
  ModelVersion,
  NewModelVersion,
  RegisteredModel,
} from '../../core/registry/types.js';
import type { AliasEventsTable, AuditLogTable, DeploymentRevisionsTable, ModelsTable, ModelVersionsTable } from './schema.js';
import type { Selectable, SqlBool } from 'kysely';

/** Rows <-> registry domain objects. JSON columns are text, so every parse and stringify happens here. */

/** Serializes a JSON column value. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

// The store wrote these columns itself with toJson, so their shape is known; parsing back is a trusted cast.
function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** A registered model from its row and its current aliases. */
export function toModel(row: Selectable<ModelsTable>, aliases: Readonly<Record<string, number>>): RegisteredModel {
  return {
    name: row.name,
    description: row.description,
    tags: fromJson<Record<string, string>>(row.tags),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    latestVersion: row.latest_version,
    aliases,
  };
}

/** A `model_versions` row with whether a profile row exists beside it (see `selectVersions`). */
export type VersionRow = Selectable<ModelVersionsTable> & { has_profile: SqlBool };

/** A model version from its row. */
export function toVersion(row: VersionRow): ModelVersion {
  return {
    name: row.name,
    version: row.version,
    artifact: { sha256: row.artifact_sha256, sizeBytes: row.artifact_size, format: row.artifact_format as 'onnx' },
    signature: fromJson<Signature>(row.signature),
    metrics: fromJson<Record<string, number>>(row.metrics),
    params: fromJson<Record<string, string>>(row.params),
    tags: fromJson<Record<string, string>>(row.tags),
    datasetVersion: row.dataset_version,
    trainedAt: row.trained_at,
    description: row.description,
    source: row.source,
    createdAt: row.created_at,
    createdBy: row.created_by,
    features: row.features === null ? null : fromJson<FeatureSignature>(row.features),
    // SQLite answers `exists` with 0/1, PostgreSQL with a boolean.
    hasProfile: row.has_profile === true || row.has_profile === 1,
  };
}

/** The row that registers `input` as `version`. */
export function versionRow(input: NewModelVersion, version: number, at: number, by: string): Selectable<ModelVersionsTable> {
  return {
    name: input.name,
    version,
    artifact_sha256: input.artifact.sha256,
    artifact_size: input.artifact.sizeBytes,
    artifact_format: input.artifact.format,
    signature: toJson(input.signature),
    metrics: toJson(input.metrics ?? {}),
    params: toJson(input.params ?? {}),
    tags: toJson(input.tags ?? {}),
    dataset_version: input.datasetVersion ?? null,
    trained_at: input.trainedAt ?? null,
    description: input.description ?? null,
    source: input.source ?? null,
    created_at: at,
    created_by: by,
    features: input.features ? toJson(input.features) : null,
  };
}

/** A stored training profile (written by the store from a profile the registry service validated). */
export function toProfile(text: string): VersionProfile {
  return fromJson<VersionProfile>(text);
}

/**
 * A deployment revision from its row. The policy goes back through DeploymentPolicySchema so a policy stored by an
 * older Mooring gains the defaults of fields added since; one that no longer parses is a bug or a downgrade, and
 * says which row it is instead of serving a half-understood policy.
 */
export function toDeploymentRevision(row: Selectable<DeploymentRevisionsTable>): DeploymentRevision {
  const parsed = DeploymentPolicySchema.safeParse(fromJson<unknown>(row.policy));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail('INTERNAL', `stored deployment policy revision ${row.revision} of model ${JSON.stringify(row.name)} does not parse: ${issue.path.join('.')}: ${issue.message}`, {
      model: row.name,
      revision: row.revision,
    });
  }
  return { name: row.name, revision: row.revision, policy: parsed.data, actor: row.actor, reason: row.reason, at: row.at };
}

/** An alias event from its row. */
export function toAliasEvent(row: Selectable<AliasEventsTable>): AliasEvent {
  return {
    id: row.id,
    name: row.name,
    alias: row.alias,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    actor: row.actor,
    at: row.at,
    reason: row.reason,
  };
}

/** An audit record from its row. */
export function toAudit(row: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: fromJson<Record<string, unknown>>(row.details),
  };
}

/** The tags after applying a patch: a string sets a key, null removes it. */
export function patchTags(
  current: Readonly<Record<string, string>>,
  patch: Readonly<Record<string, string | null>>,
): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** Parses a stored tags column (for read-modify-write of tags). */
export function parseTags(text: string): Record<string, string> {
  return fromJson<Record<string, string>>(text);
}
