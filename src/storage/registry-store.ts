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
 * - Names are validated by the services before they reach the store; the store does not re-validate them.
 * - Times are UTC epoch milliseconds taken from the `clock` the backend was built with.
 * Not promised: ordering of `listModels` beyond "by name"; cross-model transactions; that `revision()` is dense
 * (only that it grows whenever an alias, version, or tag changes, so replicas can poll it cheaply).
 */
export interface RegistryStore {
  /** Creates or upgrades the schema; idempotent, safe to call from several processes at start. */
  migrate(): Promise<void>;

  /**
   * Registers a new version (creating the model on first use) and returns it with its assigned number.
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
