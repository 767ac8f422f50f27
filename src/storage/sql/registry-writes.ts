import { fail } from '../../core/errors.js';
import type { Actor, AliasEvent, RegisteredModel } from '../../core/registry/types.js';
import { toAliasEvent, toJson, toModel } from './row-mapping.js';
import type { VersionRow } from './row-mapping.js';
import type { Kysely, Transaction } from 'kysely';
import type { RegistryDatabase } from './schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';

/**
 * The steps SqlRegistryStore's transactions are made of. Each takes the open transaction, so a mutation and its
 * audit record, alias event and revision bump commit or roll back together.
 */

type Db = Kysely<RegistryDatabase>;
type Trx = Transaction<RegistryDatabase>;

/**
 * Reads the model row, locking it (`for update`) when the database locks rows, so that every mutation of one model
 * runs one at a time. Throws MODEL_NOT_FOUND when the model does not exist.
 */
export async function lockModel(trx: Trx, caps: SqlCapabilities, name: string) {
  const row = await trx
    .selectFrom('models')
    .selectAll()
    .where('name', '=', name)
    .$if(caps.lockRows, (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) throw fail('MODEL_NOT_FOUND', `no registered model is named ${JSON.stringify(name)}`, { name });
  return row;
}

/**
 * `select` of version rows with `has_profile` (whether a profile row exists beside each): every read of a version
 * goes through it, so ModelVersion.hasProfile is always there and the large profile text is never read with it.
 */
export function selectVersions(db: Db | Trx) {
  return db
    .selectFrom('model_versions as v')
    .selectAll('v')
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('version_profiles as p')
            .select(eb.lit(1).as('one'))
            .whereRef('p.name', '=', 'v.name')
            .whereRef('p.version', '=', 'v.version'),
        )
        .as('has_profile'),
    );
}

/** The version row, or VERSION_NOT_FOUND. */
export async function versionOrFail(trx: Trx, name: string, version: number): Promise<VersionRow> {
  const row = await selectVersions(trx).where('v.name', '=', name).where('v.version', '=', version).executeTakeFirst();
  if (!row) throw fail('VERSION_NOT_FOUND', `model ${JSON.stringify(name)} has no version ${version}`, { name, version });
  return row;
}

/** The version an alias points to now, or null when it is not set. */
export async function currentAlias(trx: Trx, name: string, alias: string): Promise<number | null> {
  const row = await trx
    .selectFrom('aliases')
    .select('version')
    .where('name', '=', name)
    .where('alias', '=', alias)
    .executeTakeFirst();
  return row?.version ?? null;
}

/** Appends one alias event and returns it as stored (with its id). */
export async function appendAliasEvent(
  trx: Trx,
  e: { name: string; alias: string; from_version: number | null; to_version: number | null; at: number },
  by: Actor,
): Promise<AliasEvent> {
  const row = await trx
    .insertInto('alias_events')
    .values({ ...e, actor: by.actor, reason: by.reason ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAliasEvent(row);
}

/** Appends one audit record; the actor's reason, when given, goes into its details. */
export async function writeAudit(
  trx: Trx,
  at: number,
  by: Actor,
  action: string,
  target: string,
  details: Record<string, unknown>,
): Promise<void> {
  const withReason = by.reason == null ? details : { ...details, reason: by.reason };
  await trx.insertInto('audit_log').values({ at, actor: by.actor, action, target, details: toJson(withReason) }).execute();
}

/** Bumps the registry revision; every mutation calls it last, inside its transaction. */
export async function bumpRevision(trx: Trx): Promise<void> {
  await trx
    .updateTable('registry_revision')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

/**
 * A model with its aliases, or null. Takes the transaction when called inside one: on SQLite the store has a
 * single connection, and reading outside the transaction would wait for it forever.
 */
export async function readModel(db: Db | Trx, name: string): Promise<RegisteredModel | null> {
  const row = await db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) return null;
  const aliasRows = await db.selectFrom('aliases').select(['alias', 'version']).where('name', '=', name).orderBy('alias').execute();
  return toModel(row, Object.fromEntries(aliasRows.map((a) => [a.alias, a.version])));
}

/** readModel inside a mutation, where the model is known to exist. */
export async function readModelOrFail(trx: Trx, name: string): Promise<RegisteredModel> {
  const model = await readModel(trx, name);
  if (!model) throw fail('MODEL_NOT_FOUND', `no registered model is named ${JSON.stringify(name)}`, { name });
  return model;
}
