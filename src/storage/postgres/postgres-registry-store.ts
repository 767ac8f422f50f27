import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { RegistryStore } from '../registry-store.js';
import type { RegistryDatabase } from '../sql/schema.js';
import { SqlRegistryStore } from '../sql/sql-registry-store.js';
import { openPostgresKysely } from './postgres-connection.js';
import { migrated } from '../migrated.js';

/**
 * Opens the PostgreSQL registry at `url` (a `postgres://` connection string) in `schema` (default `public`;
 * created when missing, so tests can use a fresh one each) and brings the schema up to date. Safe when several
 * processes start at once: schema creation and migrations each run under an advisory lock.
 */
export async function openPostgresRegistryStore(
  url: string,
  options: { clock?: Clock; schema?: string } = {},
): Promise<RegistryStore> {
  const schema = options.schema ?? 'public';
  const db = await openPostgresKysely<RegistryDatabase>(url, schema);
  const store = new SqlRegistryStore(db, options.clock ?? systemClock, {
    lockRows: true,
    generatedIds: 'identity',
    namespace: schema,
  });
  return migrated(store);
}
