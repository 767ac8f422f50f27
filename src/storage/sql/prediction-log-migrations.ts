import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { PredictionLogDatabase } from './prediction-log-schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';
import { runMigrations } from './migration-runner.js';

/**
 * The prediction log's migrations, apart from the registry's: their own bookkeeping tables
 * (`prediction_log_migration`, `prediction_log_migration_lock`), so the log can live in the registry's database
 * or in a file of its own without either migrator seeing the other's history. Append-only, like the registry's.
 */

// Kysely's Migration interface takes Kysely<any>: a migration runs against the schema as it was when written.
type MigrationDb = Kysely<any>;

const initialSchema: Migration = {
  async up(db: MigrationDb): Promise<void> {
    // JSON stays text on PostgreSQL too: jsonb reorders keys and refuses \u0000 in strings (one such request would
    // fail a whole batch), json re-parses every value on insert, and nothing queries inside the values.
    await db.schema
      .createTable('prediction_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('rows', 'integer', (c) => c.notNull())
      .addColumn('flags', 'text', (c) => c.notNull())
      .addColumn('inputs', 'text', (c) => c.notNull())
      .addColumn('outputs', 'text', (c) => c.notNull())
      .execute();
    // Reads are per model (and usually version), newest first, paged by (at, id): this index answers them in order.
    await db.schema.createIndex('prediction_log_by_model_version_at').on('prediction_log').columns(['model', 'version', 'at', 'id']).execute();
    // Retention deletes by time across all models.
    await db.schema.createIndex('prediction_log_by_at').on('prediction_log').column('at').execute();
    await db.schema
      .createTable('prediction_log_flags')
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('flag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('prediction_log_flags_pk', ['id', 'flag'])
      .execute();
    await db.schema
      .createTable('prediction_log_feedback')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    // Retention drops labels whose prediction never came once they are old.
    await db.schema.createIndex('prediction_log_feedback_by_at').on('prediction_log_feedback').column('at').execute();
  },
};

// Rows read per statement while 0002 moves predictions into segments, and the most records and characters per
// segment it writes (as the live writer does in ADR 12).
const MOVE_READ = 2000;
const MOVE_SEGMENT = 500;
const MOVE_SEGMENT_CHARS = 48 * 1024;

/** A 0001 row as 0002 reads it. */
interface RowV1 {
  id: string;
  at: number | string;
  model: string;
  version: number;
  route: string;
  status: string;
  error: string | null;
  latency_ms: number;
  rows: number;
  flags: string;
  inputs: string;
  outputs: string;
}

// The record format of ADR 12, written out here rather than imported, so this migration keeps writing what it wrote
// when it was made. The JSON columns are valid JSON text already and go in as they are.
function recordText(r: RowV1): string {
  const error = r.error === null ? 'null' : JSON.stringify(r.error);
  return `[${JSON.stringify(r.id)},${Number(r.at)},${JSON.stringify(r.route)},${JSON.stringify(r.status)},${error},${Number(r.latency_ms)},${Number(r.rows)},${r.flags},${r.inputs},${r.outputs}]`;
}

interface Pending {
  readonly model: string;
  readonly version: number;
  readonly texts: string[];
  chars: number;
  minAt: number;
  maxAt: number;
  errors: number;
}

/** Moves every 0001 row into segments of one (model, version), in (at, id) order, MOVE_SEGMENT records at most each. */
async function moveRowsIntoSegments(db: MigrationDb): Promise<void> {
  let pending: Pending | null = null;
  let n = 0;
  const write = async (p: Pending | null): Promise<void> => {
    if (p === null || p.texts.length === 0) return;
    await db
      .insertInto('prediction_log_segment')
      .values({
        key: `0002/${n++}`,
        model: p.model,
        version: p.version,
        min_at: p.minAt,
        max_at: p.maxAt,
        count: p.texts.length,
        errors: p.errors,
        body: `[${p.texts.join(',')}]`,
      })
      .execute();
  };
  let after: [string, number, number, string] | null = null;
  for (;;) {
    const from: [string, number, number, string] | null = after;
    const rows = (await db
      .selectFrom('prediction_log')
      .selectAll()
      .$if(from !== null, (qb) => qb.where((eb) => eb(eb.refTuple('model', 'version', 'at', 'id'), '>', eb.tuple(...(from as [string, number, number, string])))))
      .orderBy('model')
      .orderBy('version')
      .orderBy('at')
      .orderBy('id')
      .limit(MOVE_READ)
      .execute()) as RowV1[];
    for (const r of rows) {
      const at = Number(r.at);
      const full = pending !== null && (pending.texts.length >= MOVE_SEGMENT || pending.chars >= MOVE_SEGMENT_CHARS);
      if (pending === null || pending.model !== r.model || pending.version !== r.version || full) {
        await write(pending);
        pending = { model: r.model, version: r.version, texts: [], chars: 0, minAt: at, maxAt: at, errors: 0 };
      }
      const text = recordText(r);
      pending.texts.push(text);
      pending.chars += text.length + 1;
      pending.minAt = Math.min(pending.minAt, at);
      pending.maxAt = Math.max(pending.maxAt, at);
      if (r.status === 'error') pending.errors++;
    }
    const last = rows[rows.length - 1];
    if (rows.length < MOVE_READ || last === undefined) break;
    after = [last.model, last.version, Number(last.at), last.id];
  }
  await write(pending);
}

const segments: Migration = {
  async up(db: MigrationDb): Promise<void> {
    // One row per few hundred predictions instead of one indexed row each (ADR 12). `key` names the batch that wrote
    // the segment, so a retried batch conflicts with itself and is stored once.
    await db.schema
      .createTable('prediction_log_segment')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('min_at', 'bigint', (c) => c.notNull())
      .addColumn('max_at', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('errors', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    // Reads walk one model's (and usually one version's) segments newest max_at first.
    await db.schema
      .createIndex('prediction_log_segment_by_model_version_max_at')
      .on('prediction_log_segment')
      .columns(['model', 'version', 'max_at'])
      .execute();
    // Retention finds old segments across all models.
    await db.schema.createIndex('prediction_log_segment_by_max_at').on('prediction_log_segment').column('max_at').execute();
    await moveRowsIntoSegments(db);
    // The flags table only indexed what each row's `flags` column holds, which moved with the row.
    await db.schema.dropTable('prediction_log_flags').execute();
    await db.schema.dropTable('prediction_log').execute();
  },
};

/** The migrations of the prediction log by name, in order (append-only). */
export const PREDICTION_LOG_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial_prediction_log': initialSchema,
  '0002_prediction_log_segments': segments,
};

/** The ordered migrations of the prediction log. */
export const predictionLogMigrations: MigrationProvider = {
  getMigrations: async () => ({ ...PREDICTION_LOG_MIGRATIONS }),
};

/**
 * Brings the prediction log's schema up to date; safe when several processes start at once (the dialect's migration
 * lock, as for the registry). `provider` replaces the migrations (tests use it to build an older schema).
 */
export async function migratePredictionLog(
  db: Kysely<PredictionLogDatabase>,
  caps: SqlCapabilities,
  provider: MigrationProvider = predictionLogMigrations,
): Promise<void> {
  await runMigrations(db, caps, {
    what: 'prediction log',
    provider,
    table: 'prediction_log_migration',
    lockTable: 'prediction_log_migration_lock',
  });
}
