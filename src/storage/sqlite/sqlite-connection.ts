import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { SqlCapabilities } from '../sql/sql-capabilities.js';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js';

/** SQLite holds the whole database under one write lock, so rows need no locks of their own. */
export const SQLITE_CAPABILITIES: SqlCapabilities = { lockRows: false, generatedIds: 'autoincrement' };

/**
 * Opens (creating when missing, with its directory) the SQLite database at `path` (a file path or `:memory:`) as
 * Kysely with immediate write transactions. Pragmas: WAL so readers never block the writer; synchronous=FULL so a
 * write that was acknowledged survives a process or machine crash; busy_timeout so a second process waits for the
 * write lock instead of failing; foreign_keys on so references are enforced.
 * One Kysely per file per process: several processes may share the file, and they serialize through SQLite's lock.
 */
export function openSqliteKysely<DB>(path: string): Kysely<DB> {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new Database(memory ? ':memory:' : resolve(path));
  try {
    // busy_timeout first: switching to WAL takes a lock that another starting process may hold.
    database.pragma('busy_timeout = 5000');
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  return new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database }) });
}
