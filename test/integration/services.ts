import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
/**
 * Where the integration tests find real PostgreSQL and Redis. A variable turns each on; CI must set it (a missing
 * service fails the build instead of silently skipping), a newcomer's machine skips with a message saying how.
 */

// CI=false or CI=0 (as some runners set it locally) does not count as CI.
function isCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function serviceUrl(variable: string): string | null {
  const value = process.env[variable];
  if (value !== undefined && value !== '') return value;
  if (isCi()) throw new Error(`CI requires ${variable}: the integration tests must run against the real service`);
  return null;
}

/** The PostgreSQL URL from MOORING_TEST_POSTGRES_URL, or null (outside CI) when it is unset. */
export function postgresUrl(): string | null {
  return serviceUrl('MOORING_TEST_POSTGRES_URL');
}

/** The Redis URL from MOORING_TEST_REDIS_URL, or null (outside CI) when it is unset. */
export function redisUrl(): string | null {
  return serviceUrl('MOORING_TEST_REDIS_URL');
}

/** The skip message for a suite that needs PostgreSQL. */
export const POSTGRES_SKIP = 'set MOORING_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test to run';

/** The skip message for a suite that needs Redis. */
export const REDIS_SKIP = 'set MOORING_TEST_REDIS_URL=redis://127.0.0.1:6379 to run';

/**
 * Fresh PostgreSQL schemas for one test file: each call answers a new schema name under a per-run prefix (so each
 * conformance test starts empty), and every schema handed out is dropped when the file's tests end.
 */
export function freshSchemas(url: string, prefix: string): () => string {
  const run = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const schemas: string[] = [];
  after(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  });
  return () => {
    const schema = `${run}_${schemas.length}`;
    schemas.push(schema);
    return schema;
  };
}

/** The migration bookkeeping tables in a PostgreSQL schema, sorted: which migrators have run there. */
export async function migrationTables(url: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = $1 and table_name like '%migration' order by 1`,
      [schema],
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}
