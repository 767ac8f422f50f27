import { Migrator } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, MigrationProvider } from 'kysely';
import { MooringError } from '../../core/errors.js';
import type { SqlCapabilities } from './sql-capabilities.js';

/**
 * What every store's migrations share: the auto-generated id column of each dialect, and running a store's list
 * of migrations with Kysely's Migrator (its lock makes several processes starting at once safe) under the store's
 * own migration tables, so stores can share one database.
 */

/** An auto-generated integer primary key: an identity column on PostgreSQL, AUTOINCREMENT on SQLite. */
export function idColumn(caps: SqlCapabilities) {
  return caps.generatedIds === 'identity'
    ? { type: 'bigint' as const, build: (c: ColumnDefinitionBuilder) => c.primaryKey().generatedAlwaysAsIdentity() }
    : { type: 'integer' as const, build: (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement() };
}

/** One store's migrations and where their bookkeeping lives. */
export interface MigrationSet {
  /** Named in the error, e.g. `registry`. */
  readonly what: string;
  readonly provider: MigrationProvider;
  /** Kysely's defaults (`kysely_migration`, `kysely_migration_lock`) when absent. */
  readonly table?: string;
  readonly lockTable?: string;
}

/** Brings a store's schema up to date; INTERNAL naming the failed migration when one fails. */
export async function runMigrations<DB>(db: Kysely<DB>, caps: SqlCapabilities, set: MigrationSet): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: set.provider,
    ...(set.table === undefined ? {} : { migrationTableName: set.table }),
    ...(set.lockTable === undefined ? {} : { migrationLockTableName: set.lockTable }),
    ...(caps.namespace === undefined ? {} : { migrationTableSchema: caps.namespace }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? null;
    throw new MooringError(
      'INTERNAL',
      `${set.what} schema migration failed${failed ? ` at ${failed}` : ''}: ${error instanceof Error ? error.message : String(error)}`,
      { migration: failed },
      { cause: error },
    );
  }
}
