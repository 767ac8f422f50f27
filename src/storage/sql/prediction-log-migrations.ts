import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { PredictionLogDatabase } from './prediction-log-schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';
import { runMigrations } from './migration-runner.js';

/**
 * The prediction log's migrations, apart from the registry's: their own bookkeeping tables
 * (`prediction_log_migration`, `prediction_log_migration_lock`), so the log can live in the registry's database
 * or in a file of its own without either migrator seeing the other's history. Append-only, like the registry's.
 */

// Kysely's Migration interface takes Kysely<any>: a migration runs against the schema as it was when written.
type MigrationDb = Kysely<any>;

const initialSchema: Migration = {
  async up(db: MigrationDb): Promise<void> {
    // JSON stays text on PostgreSQL too: jsonb reorders keys and refuses \u0000 in strings (one such request would
    // fail a whole batch), json re-parses every value on insert, and nothing queries inside the values.
    await db.schema
      .createTable('prediction_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('rows', 'integer', (c) => c.notNull())
      .addColumn('flags', 'text', (c) => c.notNull())
      .addColumn('inputs', 'text', (c) => c.notNull())
      .addColumn('outputs', 'text', (c) => c.notNull())
      .execute();
    // Reads are per model (and usually version), newest first, paged by (at, id): this index answers them in order.
    await db.schema.createIndex('prediction_log_by_model_version_at').on('prediction_log').columns(['model', 'version', 'at', 'id']).execute();
    // Retention deletes by time across all models.
    await db.schema.createIndex('prediction_log_by_at').on('prediction_log').column('at').execute();
    await db.schema
      .createTable('prediction_log_flags')
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('flag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('prediction_log_flags_pk', ['id', 'flag'])
      .execute();
    await db.schema
      .createTable('prediction_log_feedback')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    // Retention drops labels whose prediction never came once they are old.
    await db.schema.createIndex('prediction_log_feedback_by_at').on('prediction_log_feedback').column('at').execute();
  },
};

/** The ordered migrations of the prediction log. */
export const predictionLogMigrations: MigrationProvider = {
  getMigrations: async () => ({ '0001_initial_prediction_log': initialSchema }),
};

/**
 * Brings the prediction log's schema up to date; safe when several processes start at once (the dialect's migration
 * lock, as for the registry).
 */
export async function migratePredictionLog(db: Kysely<PredictionLogDatabase>, caps: SqlCapabilities): Promise<void> {
  await runMigrations(db, caps, {
    what: 'prediction log',
    provider: predictionLogMigrations,
    table: 'prediction_log_migration',
    lockTable: 'prediction_log_migration_lock',
  });
}
