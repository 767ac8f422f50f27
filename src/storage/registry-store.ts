import type { DeploymentPolicy, DeploymentRevision } from '../core/deployment/policy.js';
import type { VersionProfile } from '../core/profile/types.js';
import type {
  Actor,
  AliasEvent,
  AuditRecord,
  ModelVersion,
  NewModelVersion,
  RegisteredModel,
} from '../core/registry/types.js';

/**
 * RegistryStore: the port that persists models, versions, aliases, their history and the audit log.
 *
 * Contract (every backend passes test/conformance/registry-store.suite.ts):
 * - Every mutating method is ONE transaction that also writes its audit record(s); on error nothing is written.
 * - Version numbers start at 1 per model, increase by one, and are never reused, also under concurrent
 *   `createVersion` calls (from several processes on a shared database).
 * - `setAlias` and `deleteAlias` append an AliasEvent (from, to, actor, at, reason) in the same transaction; events
 *   are never updated or deleted, so `aliasAt` can answer for any past time.
 * - Reads return `null` for a missing model or version; they never throw for absence. Mutations throw
 *   MooringError MODEL_NOT_FOUND / VERSION_NOT_FOUND / ALIAS_NOT_FOUND when their target is missing.
 * - Names, features, profiles and policies are validated by the services before they reach the store; the store
 *   does not re-validate them (a stored policy is re-parsed on read, so it gains the defaults of newer fields).
 * - A version's training profile is written in the same transaction as the version and never changes; versions
 *   carry only `hasProfile`, and `getProfile` reads the profile itself.
 * - Deployment revisions are numbered 1, 2, 3... per model, never reused, also under concurrent
 *   `setDeploymentPolicy` calls; each holds the whole policy, and they are never updated or deleted.
 * - Times are UTC epoch milliseconds taken from the `clock` the backend was built with.
 * Not promised: ordering of `listModels` beyond "by name"; cross-model transactions; that `revision()` is dense
 * (only that it grows whenever an alias, version, or tag changes, so replicas can poll it cheaply).
 */
export interface RegistryStore {
  /** Creates or upgrades the schema; idempotent, safe to call from several processes at start. */
  migrate(): Promise<void>;

  /**
   * Registers a new version (creating the model on first use) and returns it with its assigned number; its
   * `features` and `profile`, when given, are written in the same transaction.
   * Writes audit `model.create` (first time) and `model_version.create`.
   */
  createVersion(input: NewModelVersion, by: Actor): Promise<ModelVersion>;

  /** Replaces the model-level description (null clears it). Audit `model.update`. */
  updateModel(name: string, patch: { description?: string | null }, by: Actor): Promise<RegisteredModel>;

  /** Sets (value string) or removes (value null) model-level tags. Audit `model.tags`. */
  setModelTags(name: string, tags: Readonly<Record<string, string | null>>, by: Actor): Promise<RegisteredModel>;

  /** Sets (value string) or removes (value null) tags on one version. Audit `model_version.tags`. */
  setVersionTags(
    name: string,
    version: number,
    tags: Readonly<Record<string, string | null>>,
    by: Actor,
  ): Promise<ModelVersion>;

  /**
   * Points `alias` at `version` (which must exist). Appends an AliasEvent even when the alias already held that
   * version (the request is still recorded), and writes audit `alias.set`. Returns the event.
   */
  setAlias(name: string, alias: string, version: number, by: Actor): Promise<AliasEvent>;

  /** Removes an alias (ALIAS_NOT_FOUND when absent); appends an event with toVersion null; audit `alias.delete`. */
  deleteAlias(name: string, alias: string, by: Actor): Promise<AliasEvent>;

  getModel(name: string): Promise<RegisteredModel | null>;
  listModels(): Promise<RegisteredModel[]>;
  getVersion(name: string, version: number): Promise<ModelVersion | null>;
  /** All versions of a model, ascending by number ([] when the model is unknown). */
  listVersions(name: string): Promise<ModelVersion[]>;
  /** The training profile stored with a version, or null (no such version, or registered without one). */
  getProfile(name: string, version: number): Promise<VersionProfile | null>;

  /**
   * Appends the next revision of a model's deployment policy (`policy` is the whole, validated policy) and returns
   * it. MODEL_NOT_FOUND when the model does not exist. Writes audit `deployment.set` (target `model:NAME`, details
   * `{revision, policy}`) and grows `revision()`, so replicas pick the change up.
   * With `ifRevision` (0 = none set yet) it is a compare-and-set: when the model's latest revision is another one,
   * nothing is written and the answer is null, so a caller that merged a patch onto what it read can re-read and
   * retry instead of overwriting a concurrent change.
   */
  setDeploymentPolicy(name: string, policy: DeploymentPolicy, by: Actor): Promise<DeploymentRevision>;
  setDeploymentPolicy(name: string, policy: DeploymentPolicy, by: Actor, ifRevision: number): Promise<DeploymentRevision | null>;
  /** The latest revision of a model's deployment policy, or null when none was ever set (or the model is unknown). */
  getDeployment(name: string): Promise<DeploymentRevision | null>;
  /** Every revision of a model's deployment policy, oldest first ([] when none). */
  deploymentHistory(name: string): Promise<DeploymentRevision[]>;

  /** Alias events of a model, oldest first; filtered to one alias when given. */
  aliasHistory(name: string, alias?: string): Promise<AliasEvent[]>;
  /** The version `alias` pointed to at time `at` (inclusive), or null if it pointed nowhere then. */
  aliasAt(name: string, alias: string, at: number): Promise<number | null>;

  /** Audit records, newest first; `target` filters by prefix (e.g. `model:iris`). */
  listAudit(filter?: { target?: string; limit?: number }): Promise<AuditRecord[]>;

  /** A number that grows whenever anything in the registry changes; cheap enough to poll every second. */
  revision(): Promise<number>;

  /** Releases connections. */
  close(): Promise<void>;
}
