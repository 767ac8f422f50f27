import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { AlertStore } from '../alert-store.js';
import type { AlertDatabase } from '../sql/alert-schema.js';
import { SqlAlertStore } from '../sql/sql-alert-store.js';
import { openPostgresKysely } from './postgres-connection.js';
import { migrated } from '../migrated.js';

/**
 * Opens the PostgreSQL alert store at `url` in `schema` (default `public`; created when missing) and brings its
 * schema up to date. It may share the registry's database and schema: its tables and migration bookkeeping have
 * their own names. Replicas pointed at one database share rules, states and the evaluator lease.
 */
export async function openPostgresAlertStore(url: string, options: { clock?: Clock; schema?: string } = {}): Promise<AlertStore> {
  const schema = options.schema ?? 'public';
  const store = new SqlAlertStore(await openPostgresKysely<AlertDatabase>(url, schema), options.clock ?? systemClock, {
    lockRows: true,
    generatedIds: 'identity',
    namespace: schema,
  });
  return migrated(store);
}
