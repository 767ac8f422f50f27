import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { RegistryStore } from '../registry-store.js';
import type { RegistryDatabase } from '../sql/schema.js';
import { SqlRegistryStore } from '../sql/sql-registry-store.js';
import { SQLITE_CAPABILITIES, openSqliteKysely } from './sqlite-connection.js';
import { migrated } from '../migrated.js';

/**
 * Opens (creating when missing) the embedded SQLite registry at `path` (a file path or `:memory:`) and brings its
 * schema up to date. The pragmas (WAL, synchronous=FULL, busy_timeout, foreign_keys) are `openSqliteKysely`'s.
 * One store per file per process: several processes may share the file, and they serialize through SQLite's lock.
 */
export async function openSqliteRegistryStore(path: string, options: { clock?: Clock } = {}): Promise<RegistryStore> {
  const db = openSqliteKysely<RegistryDatabase>(path);
  const store = new SqlRegistryStore(db, options.clock ?? systemClock, SQLITE_CAPABILITIES);
  return migrated(store);
}
