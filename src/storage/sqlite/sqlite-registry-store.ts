import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { RegistryStore } from '../registry-store.js';
import type { RegistryDatabase } from '../sql/schema.js';
import type { SqlCapabilities } from '../sql/sql-capabilities.js';
import { SqlRegistryStore } from '../sql/sql-registry-store.js';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js';

/** SQLite holds the whole database under one write lock, so rows need no locks of their own. */
const SQLITE_CAPABILITIES: SqlCapabilities = { lockRows: false, generatedIds: 'autoincrement' };

/**
 * Opens (creating when missing) the embedded SQLite registry at `path` (a file path or `:memory:`) and brings its
 * schema up to date. Pragmas: WAL so readers never block the writer; synchronous=FULL so a write that was
 * acknowledged survives a process or machine crash; busy_timeout so a second process waits for the write lock
 * instead of failing; foreign_keys on so an alias cannot point at a missing version.
 * One store per file per process: several processes may share the file, and they serialize through SQLite's lock.
 */
export async function openSqliteRegistryStore(path: string, options: { clock?: Clock } = {}): Promise<RegistryStore> {
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
  const db = new Kysely<RegistryDatabase>({ dialect: new ImmediateSqliteDialect({ database }) });
  const store = new SqlRegistryStore(db, options.clock ?? systemClock, SQLITE_CAPABILITIES);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
