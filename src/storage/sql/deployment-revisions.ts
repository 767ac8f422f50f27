import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { DeploymentPolicy, DeploymentRevision } from '../../core/deployment/policy.js';
import type { Actor } from '../../core/registry/types.js';
import { bumpRevision, lockModel, writeAudit } from './registry-writes.js';
import { toDeploymentRevision, toJson } from './row-mapping.js';
import type { RegistryDatabase } from './schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';

/** SqlRegistryStore's deployment policy revisions, kept apart from the version and alias code. */

type Db = Kysely<RegistryDatabase>;

/**
 * Appends the next revision of `name`'s policy in one transaction: the model's lock (so concurrent writers take
 * numbers one at a time, as version numbers do), the row, audit `deployment.set`, the registry revision bump.
 * With `ifRevision`, writes nothing and answers null unless the latest revision (0 when none) is still that one.
 */
export async function appendDeploymentRevision(
  db: Db,
  caps: SqlCapabilities,
  clock: Clock,
  name: string,
  policy: DeploymentPolicy,
  by: Actor,
  ifRevision: number | undefined,
): Promise<DeploymentRevision | null> {
  return db.transaction().execute(async (trx) => {
    const at = clock();
    await lockModel(trx, caps, name);
    const last = await trx
      .selectFrom('deployment_revisions')
      .select((eb) => eb.fn.max('revision').as('revision'))
      .where('name', '=', name)
      .executeTakeFirst();
    const latest = Number(last?.revision ?? 0);
    if (ifRevision !== undefined && ifRevision !== latest) return null;
    const revision = latest + 1;
    const row = { name, revision, policy: toJson(policy), actor: by.actor, reason: by.reason ?? null, at };
    await trx.insertInto('deployment_revisions').values(row).execute();
    await writeAudit(trx, at, by, 'deployment.set', `model:${name}`, { revision, policy });
    await bumpRevision(trx);
    return toDeploymentRevision(row);
  });
}

/** The latest revision of a model's policy, or null when none was ever set. */
export async function latestDeploymentRevision(db: Db, name: string): Promise<DeploymentRevision | null> {
  const row = await db
    .selectFrom('deployment_revisions')
    .selectAll()
    .where('name', '=', name)
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toDeploymentRevision(row) : null;
}

/** Every revision of a model's policy, oldest first. */
export async function listDeploymentRevisions(db: Db, name: string): Promise<DeploymentRevision[]> {
  const rows = await db.selectFrom('deployment_revisions').selectAll().where('name', '=', name).orderBy('revision').execute();
  return rows.map(toDeploymentRevision);
}
