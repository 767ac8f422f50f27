import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { AlertStore } from '../alert-store.js';
import type { AlertDatabase } from '../sql/alert-schema.js';
import { SqlAlertStore } from '../sql/sql-alert-store.js';
import { SQLITE_CAPABILITIES, openSqliteKysely } from './sqlite-connection.js';
import { migrated } from '../migrated.js';

/**
 * Opens (creating when missing) the SQLite alert store at `path` (a file path or `:memory:`) and brings its schema
 * up to date; same pragmas as the registry. Like the prediction log, give it a file of its own within one process
 * (two connections to one file in one process block each other: better-sqlite3 is synchronous); several processes
 * may share the file, which is how replicas on one host share rules, states and the evaluator lease.
 */
export async function openSqliteAlertStore(path: string, options: { clock?: Clock } = {}): Promise<AlertStore> {
  const store = new SqlAlertStore(openSqliteKysely<AlertDatabase>(path), options.clock ?? systemClock, SQLITE_CAPABILITIES);
  return migrated(store);
}
