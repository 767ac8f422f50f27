import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { fail } from '../../core/errors.js';
import type { RegistryStore } from '../registry-store.js';
import type { RegistryDatabase } from '../sql/schema.js';
import { SqlRegistryStore } from '../sql/sql-registry-store.js';

const INT8_OID = 20;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Key of the advisory lock that serializes `create schema` between processes starting at once. */
const SCHEMA_LOCK_KEY = 0x6d6f6f72; // "moor"

// int8 columns hold epoch milliseconds, sizes, ids and the revision: all far below 2^53, so a JS number is exact.
// A value past that would be a bug, and it fails loudly instead of rounding.
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw fail('INTERNAL', `int8 value ${text} does not fit a JavaScript number`, { value: text });
  return n;
}

// @types/pg declares getTypeParser as an overload set; one function with the optional format argument satisfies every overload.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

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
  if (!SCHEMA_NAME.test(schema)) {
    throw fail('CONFIG_INVALID', `invalid PostgreSQL schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*`, { schema });
  }
  const pool = new pg.Pool({ connectionString: url, types });
  // An idle connection that dies (server restart, network) is dropped from the pool and the next query opens a new
  // one; without a listener the pool's 'error' event would crash the process instead.
  pool.on('error', () => undefined);
  const db = new Kysely<RegistryDatabase>({
    dialect: new PostgresDialect({
      pool,
      // Every pooled connection resolves the registry's unqualified table names in `schema` and nowhere else.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
      },
    }),
  });
  const store = new SqlRegistryStore(db, options.clock ?? systemClock, {
    lockRows: true,
    generatedIds: 'identity',
    namespace: schema,
  });
  try {
    await db.transaction().execute(async (trx) => {
      // `create schema if not exists` is not race-free between sessions; the transaction-scoped lock makes it so.
      await sql`select pg_advisory_xact_lock(${sql.lit(SCHEMA_LOCK_KEY)})`.execute(trx);
      await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    });
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
