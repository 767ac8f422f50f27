/**
 * What a SQL backend tells the shared Kysely code about its database, so the shared code never asks which database
 * it is talking to (house rule: capability flags, not `if (postgres)`).
 */
export interface SqlCapabilities {
  /**
   * True when concurrent writers share the database row by row (`SELECT ... FOR UPDATE` exists and is needed to
   * serialize version allocation). False when a write transaction already holds the whole database.
   */
  readonly lockRows: boolean;
  /**
   * How the database generates ids for append-only tables: an `integer primary key autoincrement` column, or a
   * standard `bigint generated always as identity` column.
   */
  readonly generatedIds: 'autoincrement' | 'identity';
  /**
   * The namespace (schema) the tables live in, for databases that have namespaces. The migrator needs it because
   * it looks its bookkeeping tables up by introspection, which otherwise sees every namespace.
   */
  readonly namespace?: string;
}
