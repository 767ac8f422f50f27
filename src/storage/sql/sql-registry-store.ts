import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { DeploymentPolicy, DeploymentRevision } from '../../core/deployment/policy.js';
import { fail } from '../../core/errors.js';
import type { VersionProfile } from '../../core/profile/types.js';
import type {
  Actor,
  AliasEvent,
  AuditRecord,
  ModelVersion,
  NewModelVersion,
  RegisteredModel,
} from '../../core/registry/types.js';
import type { RegistryStore } from '../registry-store.js';
import { appendDeploymentRevision, latestDeploymentRevision, listDeploymentRevisions } from './deployment-revisions.js';
import { migrateRegistry } from './migrations.js';
import {
  appendAliasEvent,
  bumpRevision,
  currentAlias,
  lockModel,
  readModel,
  readModelOrFail,
  selectVersions,
  versionOrFail,
  writeAudit,
} from './registry-writes.js';
import { parseTags, patchTags, toAliasEvent, toAudit, toJson, toModel, toProfile, toVersion, versionRow } from './row-mapping.js';
import type { RegistryDatabase } from './schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';

type Db = Kysely<RegistryDatabase>;

const modelTarget = (name: string): string => `model:${name}`;
const versionTarget = (name: string, version: number): string => `model:${name}/${version}`;
const aliasTarget = (name: string, alias: string): string => `model:${name}@${alias}`;

/**
 * The RegistryStore for every SQL database Kysely speaks, so SQLite and PostgreSQL share one implementation of the
 * contract. Backends (`storage/sqlite`, `storage/postgres`) build the Kysely instance and describe their database
 * through `SqlCapabilities`; nothing here knows which database it is.
 */
export class SqlRegistryStore implements RegistryStore {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #caps: SqlCapabilities;

  constructor(db: Db, clock: Clock, capabilities: SqlCapabilities) {
    this.#db = db;
    this.#clock = clock;
    this.#caps = capabilities;
  }

  async migrate(): Promise<void> {
    await migrateRegistry(this.#db, this.#caps);
  }

  async createVersion(input: NewModelVersion, by: Actor): Promise<ModelVersion> {
    return this.#db.transaction().execute(async (trx) => {
      const at = this.#clock();
      // Create-if-missing without a race: concurrent first registrations wait on the key and then do nothing, and
      // the row lock that follows makes the version allocation below one writer at a time per model.
      const inserted = await trx
        .insertInto('models')
        .values({ name: input.name, description: null, tags: '{}', created_at: at, updated_at: at, latest_version: 0 })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      const model = await lockModel(trx, this.#caps, input.name);
      const version = model.latest_version + 1;
      const row = versionRow(input, version, at, by.actor);
      await trx.insertInto('model_versions').values(row).execute();
      const profile = input.profile ?? null;
      if (profile !== null) {
        await trx
          .insertInto('version_profiles')
          .values({ name: input.name, version, profile: toJson(profile), created_at: at })
          .execute();
      }
      await trx
        .updateTable('models')
        .set({ latest_version: version, updated_at: at })
        .where('name', '=', input.name)
        .execute();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) {
        await writeAudit(trx, at, by, 'model.create', modelTarget(input.name), {});
      }
      await writeAudit(trx, at, by, 'model_version.create', versionTarget(input.name, version), {
        version,
        sha256: input.artifact.sha256,
        sizeBytes: input.artifact.sizeBytes,
        features: input.features ? input.features.features.length : 0,
        profile: profile !== null,
      });
      await bumpRevision(trx);
      return toVersion({ ...row, has_profile: profile !== null });
    });
  }

  async updateModel(name: string, patch: { description?: string | null }, by: Actor): Promise<RegisteredModel> {
    return this.#db.transaction().execute(async (trx) => {
      const at = this.#clock();
      await lockModel(trx, this.#caps, name);
      const changes = patch.description === undefined ? {} : { description: patch.description };
      await trx
        .updateTable('models')
        .set({ ...changes, updated_at: at })
        .where('name', '=', name)
        .execute();
      await writeAudit(trx, at, by, 'model.update', modelTarget(name), changes);
      await bumpRevision(trx);
      return readModelOrFail(trx, name);
    });
  }

  async setModelTags(name: string, tags: Readonly<Record<string, string | null>>, by: Actor): Promise<RegisteredModel> {
    return this.#db.transaction().execute(async (trx) => {
      const at = this.#clock();
      const model = await lockModel(trx, this.#caps, name);
      const next = patchTags(parseTags(model.tags), tags);
      await trx
        .updateTable('models')
        .set({ tags: toJson(next), updated_at: at })
        .where('name', '=', name)
        .execute();
      await writeAudit(trx, at, by, 'model.tags', modelTarget(name), { tags });
      await bumpRevision(trx);
      return readModelOrFail(trx, name);
    });
  }

  async setVersionTags(
    name: string,
    version: number,
    tags: Readonly<Record<string, string | null>>,
    by: Actor,
  ): Promise<ModelVersion> {
    return this.#db.transaction().execute(async (trx) => {
      const at = this.#clock();
      await lockModel(trx, this.#caps, name);
      const row = await versionOrFail(trx, name, version);
      const next = toJson(patchTags(parseTags(row.tags), tags));
      await trx
        .updateTable('model_versions')
        .set({ tags: next })
        .where('name', '=', name)
        .where('version', '=', version)
        .execute();
      await trx.updateTable('models').set({ updated_at: at }).where('name', '=', name).execute();
      await writeAudit(trx, at, by, 'model_version.tags', versionTarget(name, version), { tags });
      await bumpRevision(trx);
      return toVersion({ ...row, tags: next });
    });
  }

  async setAlias(name: string, alias: string, version: number, by: Actor): Promise<AliasEvent> {
    return this.#db.transaction().execute(async (trx) => {
      const at = this.#clock();
      await lockModel(trx, this.#caps, name);
      await versionOrFail(trx, name, version);
      const from = await currentAlias(trx, name, alias);
      await trx
        .insertInto('aliases')
        .values({ name, alias, version, updated_at: at })
        .onConflict((oc) => oc.columns(['name', 'alias']).doUpdateSet({ version, updated_at: at }))
        .execute();
      const event = await appendAliasEvent(trx, { name, alias, from_version: from, to_version: version, at }, by);
      await trx.updateTable('models').set({ updated_at: at }).where('name', '=', name).execute();
      await writeAudit(trx, at, by, 'alias.set', aliasTarget(name, alias), { alias, from, to: version });
      await bumpRevision(trx);
      return event;
    });
  }

  async deleteAlias(name: string, alias: string, by: Actor): Promise<AliasEvent> {
    return this.#db.transaction().execute(async (trx) => {
      const at = this.#clock();
      await lockModel(trx, this.#caps, name);
      const from = await currentAlias(trx, name, alias);
      if (from === null) {
        throw fail('ALIAS_NOT_FOUND', `model ${JSON.stringify(name)} has no alias ${JSON.stringify(alias)}`, { name, alias });
      }
      await trx.deleteFrom('aliases').where('name', '=', name).where('alias', '=', alias).execute();
      const event = await appendAliasEvent(trx, { name, alias, from_version: from, to_version: null, at }, by);
      await trx.updateTable('models').set({ updated_at: at }).where('name', '=', name).execute();
      await writeAudit(trx, at, by, 'alias.delete', aliasTarget(name, alias), { alias, from, to: null });
      await bumpRevision(trx);
      return event;
    });
  }

  async getModel(name: string): Promise<RegisteredModel | null> {
    return readModel(this.#db, name);
  }

  async listModels(): Promise<RegisteredModel[]> {
    const rows = await this.#db.selectFrom('models').selectAll().orderBy('name').execute();
    const aliasRows = await this.#db.selectFrom('aliases').select(['name', 'alias', 'version']).orderBy('alias').execute();
    const byModel = new Map<string, Record<string, number>>();
    for (const a of aliasRows) {
      const map = byModel.get(a.name) ?? {};
      map[a.alias] = a.version;
      byModel.set(a.name, map);
    }
    return rows.map((row) => toModel(row, byModel.get(row.name) ?? {}));
  }

  async getVersion(name: string, version: number): Promise<ModelVersion | null> {
    const row = await selectVersions(this.#db).where('v.name', '=', name).where('v.version', '=', version).executeTakeFirst();
    return row ? toVersion(row) : null;
  }

  async listVersions(name: string): Promise<ModelVersion[]> {
    const rows = await selectVersions(this.#db).where('v.name', '=', name).orderBy('v.version').execute();
    return rows.map(toVersion);
  }

  async getProfile(name: string, version: number): Promise<VersionProfile | null> {
    const row = await this.#db
      .selectFrom('version_profiles')
      .select('profile')
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toProfile(row.profile) : null;
  }

  setDeploymentPolicy(name: string, policy: DeploymentPolicy, by: Actor): Promise<DeploymentRevision>;
  setDeploymentPolicy(name: string, policy: DeploymentPolicy, by: Actor, ifRevision: number): Promise<DeploymentRevision | null>;
  async setDeploymentPolicy(name: string, policy: DeploymentPolicy, by: Actor, ifRevision?: number): Promise<DeploymentRevision | null> {
    return appendDeploymentRevision(this.#db, this.#caps, this.#clock, name, policy, by, ifRevision);
  }

  async getDeployment(name: string): Promise<DeploymentRevision | null> {
    return latestDeploymentRevision(this.#db, name);
  }

  async deploymentHistory(name: string): Promise<DeploymentRevision[]> {
    return listDeploymentRevisions(this.#db, name);
  }

  async aliasHistory(name: string, alias?: string): Promise<AliasEvent[]> {
    const rows = await this.#db
      .selectFrom('alias_events')
      .selectAll()
      .where('name', '=', name)
      .$if(alias !== undefined, (q) => q.where('alias', '=', alias ?? ''))
      .orderBy('id')
      .execute();
    return rows.map(toAliasEvent);
  }

  async aliasAt(name: string, alias: string, at: number): Promise<number | null> {
    const row = await this.#db
      .selectFrom('alias_events')
      .select('to_version')
      .where('name', '=', name)
      .where('alias', '=', alias)
      .where('at', '<=', at)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.to_version ?? null;
  }

  async listAudit(filter: { target?: string; limit?: number } = {}): Promise<AuditRecord[]> {
    const { target, limit } = filter;
    const rows = await this.#db
      .selectFrom('audit_log')
      .selectAll()
      // substr, not LIKE: model names contain `_` (a LIKE wildcard) and SQLite's LIKE ignores case.
      .$if(target !== undefined, (q) => q.where(sql<string>`substr(target, 1, ${target?.length ?? 0})`, '=', target ?? ''))
      .orderBy('id', 'desc')
      .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
      .execute();
    return rows.map(toAudit);
  }

  async revision(): Promise<number> {
    const row = await this.#db.selectFrom('registry_revision').select('revision').where('id', '=', 1).executeTakeFirstOrThrow();
    return row.revision;
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
