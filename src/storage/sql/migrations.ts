import { sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { RegistryDatabase } from './schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';
import { idColumn, runMigrations } from './migration-runner.js';

/**
 * The registry schema's migrations, written in code with Kysely's schema builder so one list serves every SQL
 * backend. Migrations are append-only: never edit a released one, add the next (`0002_...`).
 */

// Kysely's Migration interface takes Kysely<any>: a migration runs against the schema as it was when it was
// written, not as today's RegistryDatabase type describes it.
type MigrationDb = Kysely<any>;

function initialSchema(caps: SqlCapabilities): Migration {
  const id = idColumn(caps);
  return {
    async up(db: MigrationDb): Promise<void> {
      await db.schema
        .createTable('models')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('latest_version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('model_versions')
        .addColumn('name', 'text', (c) => c.notNull().references('models.name'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('artifact_sha256', 'text', (c) => c.notNull())
        .addColumn('artifact_size', 'bigint', (c) => c.notNull())
        .addColumn('artifact_format', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('dataset_version', 'text')
        .addColumn('trained_at', 'bigint')
        .addColumn('description', 'text')
        .addColumn('source', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
        .execute();
      await db.schema
        .createTable('aliases')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('aliases_pk', ['name', 'alias'])
        .addForeignKeyConstraint('aliases_version_fk', ['name', 'version'], 'model_versions', ['name', 'version'])
        .execute();
      // No foreign keys on the two append-only logs: history must outlive whatever it describes.
      await db.schema
        .createTable('alias_events')
        .addColumn('id', id.type, id.build)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('from_version', 'integer')
        .addColumn('to_version', 'integer')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text')
        .execute();
      await db.schema.createIndex('alias_events_by_alias_at').on('alias_events').columns(['name', 'alias', 'at', 'id']).execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', id.type, id.build)
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('registry_revision')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('registry_revision').values({ id: 1, revision: 0 }).execute();
    },
  };
}

/**
 * Issue 3: named features on each version, the training profile beside it (own table: it is large and read only
 * when a version is loaded), and the append-only deployment policy revisions of each model.
 */
function featuresProfilesDeployments(): Migration {
  return {
    async up(db: MigrationDb): Promise<void> {
      await db.schema.alterTable('model_versions').addColumn('features', 'text').execute();
      await db.schema
        .createTable('version_profiles')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('version_profiles_pk', ['name', 'version'])
        .addForeignKeyConstraint('version_profiles_version_fk', ['name', 'version'], 'model_versions', ['name', 'version'])
        .execute();
      // No foreign key, like the other append-only logs: the history of a deployment outlives what it describes.
      await db.schema
        .createTable('deployment_revisions')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_revisions_pk', ['name', 'revision'])
        .execute();
    },
  };
}

/** The ordered migrations for a backend with these capabilities. */
export function registryMigrations(caps: SqlCapabilities): MigrationProvider {
  return {
    getMigrations: async () => ({
      '0001_initial_registry': initialSchema(caps),
      '0002_features_profiles_deployments': featuresProfilesDeployments(),
    }),
  };
}

/**
 * Brings the schema up to date. Safe when several processes start at once: Kysely's migrator takes the dialect's
 * migration lock (a PostgreSQL advisory lock; on SQLite the backend's immediate write transaction) and re-reads the
 * applied list under it, so each migration runs exactly once.
 */
export async function migrateRegistry(db: Kysely<RegistryDatabase>, caps: SqlCapabilities): Promise<void> {
  await runMigrations(db, caps, { what: 'registry', provider: registryMigrations(caps) });
}
