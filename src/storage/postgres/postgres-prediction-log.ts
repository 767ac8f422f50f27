import type { PredictionLog } from '../prediction-log.js';
import type { PredictionLogDatabase } from '../sql/prediction-log-schema.js';
import { SqlPredictionLog } from '../sql/sql-prediction-log.js';
import { openPostgresKysely } from './postgres-connection.js';
import { migrated } from '../migrated.js';

/**
 * Opens the PostgreSQL prediction log at `url` in `schema` (default `public`; created when missing) and brings its
 * schema up to date. The log may share the registry's database and schema: its tables and migration bookkeeping
 * have their own names.
 */
export async function openPostgresPredictionLog(url: string, options: { schema?: string } = {}): Promise<PredictionLog> {
  const schema = options.schema ?? 'public';
  const log = new SqlPredictionLog(await openPostgresKysely<PredictionLogDatabase>(url, schema), {
    lockRows: true,
    generatedIds: 'identity',
    namespace: schema,
  });
  return migrated(log);
}
