import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { AlertDatabase } from './alert-schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';
import { idColumn, runMigrations } from './migration-runner.js';

/**
 * The alert store's migrations, with their own bookkeeping tables (`alert_migration`, `alert_migration_lock`) like
 * the prediction log's, so the store can share a database with the registry or live in a file of its own.
 * Append-only: never edit a released migration, add the next.
 */

// Kysely's Migration interface takes Kysely<any>: a migration runs against the schema as it was when written.
type MigrationDb = Kysely<any>;

function initialSchema(caps: SqlCapabilities): Migration {
  const id = idColumn(caps);
  return {
    async up(db: MigrationDb): Promise<void> {
      await db.schema
        .createTable('alert_rule')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('alert_rule_change')
        .addColumn('id', id.type, id.build)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('rule', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alert_rule_change_by_name').on('alert_rule_change').columns(['name', 'id']).execute();
      await db.schema
        .createTable('alert_state')
        .addColumn('rule', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('active_at', 'bigint')
        .addColumn('fired_at', 'bigint')
        .addColumn('resolved_at', 'bigint')
        .addColumn('value', 'double precision')
        .addColumn('threshold', 'double precision')
        .addColumn('evaluated_at', 'bigint')
        .addColumn('health', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('notified_at', 'bigint')
        .addColumn('event_id', 'bigint')
        .execute();
      await db.schema
        .createTable('alert_event')
        .addColumn('id', id.type, id.build)
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('signal', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text', (c) => c.notNull())
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision')
        .addColumn('threshold', 'double precision')
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      // History reads: all, per rule, per model; newest first, paged by (at, id).
      await db.schema.createIndex('alert_event_by_at').on('alert_event').columns(['at', 'id']).execute();
      await db.schema.createIndex('alert_event_by_rule').on('alert_event').columns(['rule', 'at', 'id']).execute();
      await db.schema.createIndex('alert_event_by_model').on('alert_event').columns(['model', 'at', 'id']).execute();
      await db.schema
        .createTable('alert_delivery')
        .addColumn('id', id.type, id.build)
        .addColumn('event_id', 'bigint')
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('notification', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      // The deliverer's one query: pending and due, oldest first.
      await db.schema.createIndex('alert_delivery_due').on('alert_delivery').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('alert_delivery_by_rule').on('alert_delivery').columns(['rule', 'id']).execute();
      await db.schema
        .createTable('alert_lease')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('acquired_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/** The ordered migrations of the alert store. */
export function alertMigrations(caps: SqlCapabilities): MigrationProvider {
  return { getMigrations: async () => ({ '0001_initial_alerts': initialSchema(caps) }) };
}

/** Brings the alert store's schema up to date; safe when several processes start at once (the migration lock). */
export async function migrateAlertStore(db: Kysely<AlertDatabase>, caps: SqlCapabilities): Promise<void> {
  await runMigrations(db, caps, { what: 'alert store', provider: alertMigrations(caps), table: 'alert_migration', lockTable: 'alert_migration_lock' });
}
