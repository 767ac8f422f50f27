import type { Generated } from 'kysely';

/**
 * The registry's tables as Kysely sees them. Dialect-neutral on purpose: JSON is held as text (parsed in
 * `row-mapping.ts`), times are bigint epoch milliseconds, version numbers are integers.
 */

/** `models`: one row per registered model; `latest_version` is the version allocator (locked while it moves). */
export interface ModelsTable {
  name: string;
  description: string | null;
  /** JSON object of string tags. */
  tags: string;
  created_at: number;
  updated_at: number;
  latest_version: number;
}

/** `model_versions`: one immutable row per version; only `tags` and `description` may change. */
export interface ModelVersionsTable {
  name: string;
  version: number;
  artifact_sha256: string;
  artifact_size: number;
  artifact_format: string;
  /** JSON Signature. */
  signature: string;
  /** JSON object of numbers. */
  metrics: string;
  /** JSON object of strings. */
  params: string;
  /** JSON object of strings. */
  tags: string;
  dataset_version: string | null;
  trained_at: number | null;
  description: string | null;
  source: string | null;
  created_at: number;
  created_by: string;
  /** JSON FeatureSignature, or null (migration 0002). */
  features: string | null;
}

/** `aliases`: where each alias points now. Its history lives in `alias_events`. */
export interface AliasesTable {
  name: string;
  alias: string;
  version: number;
  updated_at: number;
}

/** `alias_events`: append-only history of alias moves, the source of `aliasAt`. */
export interface AliasEventsTable {
  id: Generated<number>;
  name: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  at: number;
  reason: string | null;
}

/** `audit_log`: append-only, one or more rows per mutation, written in the mutation's transaction. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string;
  /** JSON object. */
  details: string;
}

/** `version_profiles`: the training profile of a version (at most one, immutable), kept apart because it is large. */
export interface VersionProfilesTable {
  name: string;
  version: number;
  /** JSON VersionProfile. */
  profile: string;
  created_at: number;
}

/** `deployment_revisions`: append-only; each row is a model's whole deployment policy from `at` on. */
export interface DeploymentRevisionsTable {
  name: string;
  /** 1, 2, 3... per model, allocated under the model's lock like version numbers. */
  revision: number;
  /** JSON DeploymentPolicy (re-parsed on read, so older rows gain new defaults). */
  policy: string;
  actor: string;
  reason: string | null;
  at: number;
}

/** `registry_revision`: a single row (id 1) whose counter every mutation bumps in its own transaction. */
export interface RegistryRevisionTable {
  id: number;
  revision: number;
}

/** The whole registry database, for `Kysely<RegistryDatabase>`. */
export interface RegistryDatabase {
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  aliases: AliasesTable;
  alias_events: AliasEventsTable;
  audit_log: AuditLogTable;
  registry_revision: RegistryRevisionTable;
  version_profiles: VersionProfilesTable;
  deployment_revisions: DeploymentRevisionsTable;
}
