import type { FeatureSignature } from '../features/feature-spec.js';
import type { Signature } from '../inference/tensor.js';
import type { VersionProfile } from '../profile/types.js';

/**
 * Registry domain types. Times are UTC epoch milliseconds; versions are whole numbers from 1, assigned in order
 * and never reused.
 */

/** Where a version's artifact lives: content-addressed by its sha256, so identical bytes are stored once. */
export interface ArtifactRef {
  /** Lower-case hex sha256 of the artifact bytes. */
  readonly sha256: string;
  readonly sizeBytes: number;
  /** The artifact format; only ONNX today. */
  readonly format: 'onnx';
}

/** A registered model: the name that versions, aliases and traffic hang on. */
export interface RegisteredModel {
  readonly name: string;
  readonly description: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Highest version number registered so far (0 when none). */
  readonly latestVersion: number;
  /** Current aliases: alias name -> version number. */
  readonly aliases: Readonly<Record<string, number>>;
}

/** One immutable version of a model. Only tags and description may change after registration. */
export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly artifact: ArtifactRef;
  readonly signature: Signature;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly datasetVersion: string | null;
  /** When the model was trained (epoch ms), as the user states it. */
  readonly trainedAt: number | null;
  readonly description: string | null;
  /** The training run or source that produced it (a run id, a commit, a notebook path). */
  readonly source: string | null;
  readonly createdAt: number;
  readonly createdBy: string;
  /** The version's named features and how they pack into its one input, or null when it takes raw tensors only. */
  readonly features: FeatureSignature | null;
  /**
   * Whether a training profile was stored with the version. The profile itself (up to a few MB with its samples)
   * is read on its own, through `RegistryStore.getProfile`.
   */
  readonly hasProfile: boolean;
}

/** What a caller gives to register a new version; the store assigns the number and timestamps. */
export interface NewModelVersion {
  readonly name: string;
  readonly artifact: ArtifactRef;
  readonly signature: Signature;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly params?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly datasetVersion?: string | null;
  readonly trainedAt?: number | null;
  readonly description?: string | null;
  readonly source?: string | null;
  /** Named features; only for a model with one numeric rank-2 input (checked by the registry service). */
  readonly features?: FeatureSignature | null;
  /** The training profile, stored in the same transaction as the version; it needs `features`. */
  readonly profile?: VersionProfile | null;
}

/** One move of an alias: the answer to "who pointed `production` where, and when". */
export interface AliasEvent {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  /** The version the alias held before (null when it was new). */
  readonly fromVersion: number | null;
  /** The version it holds after (null when the alias was deleted). */
  readonly toVersion: number | null;
  readonly actor: string;
  readonly at: number;
  readonly reason: string | null;
}

/** One audit record: every mutation of the registry leaves one, in the same transaction. */
export interface AuditRecord {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  /** A dotted verb, e.g. `model_version.create`, `alias.set`, `alias.delete`, `model_version.tags`. */
  readonly action: string;
  /** What was changed, e.g. `model:iris`, `model:iris/3`, `model:iris@production`. */
  readonly target: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Who does a mutation and why; recorded on its audit record. */
export interface Actor {
  readonly actor: string;
  readonly reason?: string | null;
}
