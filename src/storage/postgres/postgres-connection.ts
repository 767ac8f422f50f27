import pg from 'pg';
import { CompiledQuery, Kysely, sql } from 'kysely';
import { fail } from '../../core/errors.js';
import { SchemaScopedPostgresDialect } from './schema-scoped-dialect.js';

const INT8_OID = 20;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Key of the advisory lock that serializes `create schema` between processes starting at once. */
const SCHEMA_LOCK_KEY = 0x6d6f6f72; // "moor"

// int8 columns hold epoch milliseconds, sizes, ids, counts and the revision: all far below 2^53, so a JS number is
// exact. A value past that would be a bug, and it fails loudly instead of rounding.
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

/** Throws CONFIG_INVALID unless `schema` is a plain lower-case identifier (it is spliced into SQL). */
export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw fail('CONFIG_INVALID', `invalid PostgreSQL schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*`, { schema });
  }
}

/**
 * Opens a pool on `url` (a `postgres://` connection string) as Kysely, every connection resolving unqualified
 * table names in `schema` (created when missing, under an advisory lock so processes starting at once do not race).
 * Throws CONFIG_INVALID for a bad schema name before connecting.
 */
export async function openPostgresKysely<DB>(url: string, schema: string): Promise<Kysely<DB>> {
  checkSchemaName(schema);
  const pool = new pg.Pool({ connectionString: url, types });
  // An idle connection that dies (server restart, network) is dropped from the pool and the next query opens a new
  // one; without a listener the pool's 'error' event would crash the process instead.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({
    dialect: new SchemaScopedPostgresDialect(
      {
        pool,
        // Every pooled connection resolves unqualified table names in `schema` and nowhere else.
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
        },
      },
      schema,
    ),
  });
  try {
    await db.transaction().execute(async (trx) => {
      // `create schema if not exists` is not race-free between sessions; the transaction-scoped lock makes it so.
      await sql`select pg_advisory_xact_lock(${sql.lit(SCHEMA_LOCK_KEY)})`.execute(trx);
      await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
