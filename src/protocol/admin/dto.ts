import type { FeatureSignature } from '../../core/features/feature-spec.js';
import type { TensorSpec } from '../../core/inference/tensor.js';
import type { AliasEvent, AuditRecord, ModelVersion, RegisteredModel } from '../../core/registry/types.js';
import { toSnakeKeys } from './wire-case.js';
import type { SnakeKeys } from './wire-case.js';

/**
 * The admin API's wire shapes (JSON, snake_case like MLflow and KServe, times as ISO-8601 UTC strings) and the one
 * mapping from domain types to them. The HTTP admin routes and the CLI's local mode both answer with these, so a
 * script sees the same JSON whether the CLI talked to a server or opened the home itself.
 */

/** A registered model as the admin API shows it. */
export interface ModelDto {
  name: string;
  description: string | null;
  tags: Record<string, string>;
  latest_version: number;
  aliases: Record<string, number>;
  created_at: string;
  updated_at: string;
}

/** One model version as the admin API shows it. */
export interface ModelVersionDto {
  name: string;
  version: number;
  /** Aliases currently pointing at this version. */
  aliases: string[];
  artifact: { sha256: string; size_bytes: number; format: string };
  signature: { inputs: TensorSpec[]; outputs: TensorSpec[] };
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  dataset_version: string | null;
  trained_at: string | null;
  description: string | null;
  source: string | null;
  created_at: string;
  created_by: string;
  /** The version's named features. */
  features: FeatureSignatureDto | null;
  /** Whether a training profile was registered with it (read it at `.../versions/{v}/profile`). */
  has_profile: boolean;
}

/** Named features as the admin API shows and takes them (their keys are single words: the domain's shape). */
export type FeatureSignatureDto = SnakeKeys<FeatureSignature>;

/** A model with all its versions (`models show NAME`). */
export interface ModelDetailDto extends ModelDto {
  versions: ModelVersionDto[];
}

/** One alias move. */
export interface AliasEventDto {
  id: number;
  name: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  at: string;
  reason: string | null;
}

/** One audit record. */
export interface AuditRecordDto {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** Epoch ms -> ISO-8601 UTC. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Maps a registered model to its DTO. */
export function modelDto(m: RegisteredModel): ModelDto {
  return {
    name: m.name,
    description: m.description,
    tags: { ...m.tags },
    latest_version: m.latestVersion,
    aliases: { ...m.aliases },
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
  };
}

/** Maps a version to its DTO; `aliases` is the model's alias table, so the DTO can list the ones on this version. */
export function versionDto(v: ModelVersion, aliases: Readonly<Record<string, number>>): ModelVersionDto {
  return {
    name: v.name,
    version: v.version,
    aliases: Object.keys(aliases)
      .filter((a) => aliases[a] === v.version)
      .sort(),
    artifact: { sha256: v.artifact.sha256, size_bytes: v.artifact.sizeBytes, format: v.artifact.format },
    signature: { inputs: [...v.signature.inputs], outputs: [...v.signature.outputs] },
    metrics: { ...v.metrics },
    params: { ...v.params },
    tags: { ...v.tags },
    dataset_version: v.datasetVersion,
    trained_at: v.trainedAt === null ? null : iso(v.trainedAt),
    description: v.description,
    source: v.source,
    created_at: iso(v.createdAt),
    created_by: v.createdBy,
    features: v.features === null ? null : featuresDto(v.features),
    has_profile: v.hasProfile,
  };
}

/** Maps named features to their DTO (a deep copy: DTOs never share arrays with cached domain objects). */
export function featuresDto(f: FeatureSignature): FeatureSignatureDto {
  return toSnakeKeys(f);
}

/** Maps an alias event to its DTO. */
export function aliasEventDto(e: AliasEvent): AliasEventDto {
  return {
    id: e.id,
    name: e.name,
    alias: e.alias,
    from_version: e.fromVersion,
    to_version: e.toVersion,
    actor: e.actor,
    at: iso(e.at),
    reason: e.reason,
  };
}

/** Maps an audit record to its DTO. */
export function auditDto(r: AuditRecord): AuditRecordDto {
  return { id: r.id, at: iso(r.at), actor: r.actor, action: r.action, target: r.target, details: { ...r.details } };
}
