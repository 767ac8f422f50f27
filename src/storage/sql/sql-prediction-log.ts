import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { PredictionFeedback, PredictionRecord } from '../../core/monitoring/prediction-record.js';
import type { PredictionFilter, PredictionLog, PredictionPage, PredictionQuery } from '../prediction-log.js';
import {
  checkFilter,
  checkQuery,
  checkRecords,
  checkRetentionTime,
  firstOfEachId,
  fromPredictionRow,
  nextCursor,
  rowFlags,
  toFeedbackRows,
  toPredictionRow,
} from '../prediction-log-codec.js';
import type { CursorPosition, PredictionRow } from '../prediction-log-codec.js';
import { migratePredictionLog } from './prediction-log-migrations.js';
import type { PredictionFlagsTable, PredictionLogDatabase } from './prediction-log-schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';

type Db = Kysely<PredictionLogDatabase>;
type Eb = ExpressionBuilder<PredictionLogDatabase, 'prediction_log'>;

// Rows per INSERT statement. A prediction row binds 12 parameters, so 500 rows bind 6,000: far below SQLite's
// 32,766 and PostgreSQL's 65,535, and large enough that a 500-entry flush is one statement.
const ROWS_PER_STATEMENT = 500;

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) yield items.slice(i, i + ROWS_PER_STATEMENT);
}

/** The WHERE clause of a read: the filter, then optionally only labelled rows and only rows after a cursor. */
function matching(f: PredictionFilter, onlyLabelled: boolean, after: CursorPosition | null) {
  return (eb: Eb): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [eb('prediction_log.model', '=', f.model)];
    if (f.version !== undefined) all.push(eb('prediction_log.version', '=', f.version));
    if (f.route !== undefined) all.push(eb('prediction_log.route', '=', f.route));
    if (f.status !== undefined) all.push(eb('prediction_log.status', '=', f.status));
    if (f.since !== undefined) all.push(eb('prediction_log.at', '>=', f.since));
    if (f.until !== undefined) all.push(eb('prediction_log.at', '<', f.until));
    if (f.flag !== undefined) {
      all.push(
        eb.exists(
          eb
            .selectFrom('prediction_log_flags')
            .select('prediction_log_flags.flag')
            .whereRef('prediction_log_flags.id', '=', 'prediction_log.id')
            .where('prediction_log_flags.flag', '=', f.flag),
        ),
      );
    }
    if (onlyLabelled) {
      all.push(
        eb.exists(
          eb
            .selectFrom('prediction_log_feedback')
            .select('prediction_log_feedback.id')
            .whereRef('prediction_log_feedback.id', '=', 'prediction_log.id'),
        ),
      );
    }
    // A row-value comparison, so the (model, version, at, id) index can seek straight to the cursor.
    if (after !== null) all.push(eb(eb.refTuple('prediction_log.at', 'prediction_log.id'), '<', eb.tuple(after.at, after.id)));
    return eb.and(all);
  };
}

/**
 * The PredictionLog for every SQL database Kysely speaks (SQLite and PostgreSQL), as SqlRegistryStore is for the
 * registry: the backend folders build the Kysely instance and pass capability flags; nothing here asks which
 * database it has.
 */
export class SqlPredictionLog implements PredictionLog {
  readonly #db: Db;
  readonly #caps: SqlCapabilities;

  constructor(db: Db, capabilities: SqlCapabilities) {
    this.#db = db;
    this.#caps = capabilities;
  }

  async migrate(): Promise<void> {
    await migratePredictionLog(this.#db, this.#caps);
  }

  async append(records: readonly PredictionRecord[]): Promise<number> {
    checkRecords(records);
    // Encoding (the JSON work) happens before the transaction opens, so the write lock is held only for the inserts.
    const rows = firstOfEachId(records).map(toPredictionRow);
    if (rows.length === 0) return 0;
    return this.#db.transaction().execute(async (trx) => {
      let added = 0;
      for (const chunk of chunks(rows)) {
        // RETURNING lists only the rows this statement inserted, so flags are written once, for new records only.
        const inserted = await trx
          .insertInto('prediction_log')
          .values(chunk)
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .execute();
        added += inserted.length;
        if (inserted.length === 0) continue;
        const isNew = new Set(inserted.map((r) => r.id));
        const flags: PredictionFlagsTable[] = [];
        for (const row of chunk) {
          if (row.flags === '[]' || !isNew.has(row.id)) continue;
          for (const flag of rowFlags(row)) flags.push({ id: row.id, flag });
        }
        for (const flagChunk of chunks(flags)) {
          await trx
            .insertInto('prediction_log_flags')
            .values(flagChunk)
            .onConflict((oc) => oc.columns(['id', 'flag']).doNothing())
            .execute();
        }
      }
      return added;
    });
  }

  async query(query: PredictionQuery): Promise<PredictionPage> {
    return this.#page(query, false);
  }

  async labelled(query: PredictionQuery): Promise<PredictionPage> {
    return this.#page(query, true);
  }

  async count(filter: PredictionFilter): Promise<number> {
    checkFilter(filter);
    const row = await this.#db
      .selectFrom('prediction_log')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where(matching(filter, false, null))
      .executeTakeFirstOrThrow();
    // PostgreSQL's count is int8 (parsed to a number by the backend); Number() also covers drivers that give text.
    return Number(row.n);
  }

  async addFeedback(items: readonly PredictionFeedback[]): Promise<void> {
    const rows = toFeedbackRows(items);
    if (rows.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (const chunk of chunks(rows)) {
        await trx
          .insertInto('prediction_log_feedback')
          .values(chunk)
          .onConflict((oc) =>
            oc
              .column('id')
              .doUpdateSet((eb) => ({ label: eb.ref('excluded.label'), at: eb.ref('excluded.at') }))
              // An older label arriving late (a retry) never replaces a newer one.
              .where((eb) => eb('prediction_log_feedback.at', '<=', eb.ref('excluded.at'))),
          )
          .execute();
      }
    });
  }

  async deleteBefore(at: number): Promise<number> {
    checkRetentionTime(at);
    return this.#db.transaction().execute(async (trx) => {
      const old = trx.selectFrom('prediction_log').select('prediction_log.id').where('prediction_log.at', '<', at);
      await trx.deleteFrom('prediction_log_feedback').where('prediction_log_feedback.id', 'in', old).execute();
      await trx.deleteFrom('prediction_log_flags').where('prediction_log_flags.id', 'in', old).execute();
      const result = await trx.deleteFrom('prediction_log').where('prediction_log.at', '<', at).executeTakeFirst();
      // Labels that waited too long for a prediction that never came (it was dropped, or went to another log).
      await trx
        .deleteFrom('prediction_log_feedback')
        .where('prediction_log_feedback.at', '<', at)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb.selectFrom('prediction_log').select('prediction_log.id').whereRef('prediction_log.id', '=', 'prediction_log_feedback.id'),
            ),
          ),
        )
        .execute();
      return Number(result.numDeletedRows);
    });
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }

  async #page(query: PredictionQuery, onlyLabelled: boolean): Promise<PredictionPage> {
    const { limit, after } = checkQuery(query);
    const rows: PredictionRow[] = await this.#db
      .selectFrom('prediction_log')
      .selectAll()
      .where(matching(query, onlyLabelled, after))
      .orderBy('prediction_log.at', 'desc')
      .orderBy('prediction_log.id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    // Labels in a second, keyed read rather than a join, so the filter above stays one typed expression shared
    // with `count`. A label that lands in between shows up already: labels only ever get newer.
    const labels = new Map<string, { label: string; at: number }>();
    if (page.length > 0) {
      const found = await this.#db
        .selectFrom('prediction_log_feedback')
        .selectAll()
        .where(
          'prediction_log_feedback.id',
          'in',
          page.map((r) => r.id),
        )
        .execute();
      for (const f of found) labels.set(f.id, f);
    }
    const items = page.map((row) => {
      const label = labels.get(row.id);
      return fromPredictionRow(row, label?.label ?? null, label?.at ?? null);
    });
    return { items, next: nextCursor(items, limit, rows.length > limit) };
  }
}
