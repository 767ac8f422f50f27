import type { PredictionLog } from '../prediction-log.js';
import type { PredictionLogDatabase } from '../sql/prediction-log-schema.js';
import { SqlPredictionLog } from '../sql/sql-prediction-log.js';
import { SQLITE_CAPABILITIES, openSqliteKysely } from './sqlite-connection.js';
import { migrated } from '../migrated.js';

/**
 * Opens (creating when missing) the SQLite prediction log at `path` (a file path or `:memory:`) and brings its
 * schema up to date; same pragmas as the registry (WAL, synchronous=FULL: with one transaction per flush that is one
 * fsync a second, which costs nothing worth trading durability for).
 * The log may share a file with the registry when they live in different processes; within one process give it
 * its own file, since two connections to one file in one process block each other (better-sqlite3 is synchronous).
 */
export async function openSqlitePredictionLog(path: string): Promise<PredictionLog> {
  const log = new SqlPredictionLog(openSqliteKysely<PredictionLogDatabase>(path), SQLITE_CAPABILITIES);
  return migrated(log);
}
