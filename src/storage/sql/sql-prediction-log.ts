import type { Expression, Kysely, SqlBool } from 'kysely';
import type { PredictionFeedback, PredictionRecord } from '../../core/monitoring/prediction-record.js';
import { EARLY_LABEL_MS } from '../prediction-log.js';
import type { AppendOptions, EncodedBatch, PredictionFilter, PredictionLog, PredictionPage, PredictionQuery } from '../prediction-log.js';
import { checkFilter, checkQuery, checkRetentionTime, nextCursor, toFeedbackRows } from '../prediction-log-codec.js';
import { PageCollector, recordMatches, segmentHits, toLogged } from '../prediction-log-page.js';
import type { Hit } from '../prediction-log-page.js';
import { decodeSegment, encodeBatch } from '../prediction-log-segment.js';
import type { SegmentRow } from '../prediction-log-segment.js';
import { migratePredictionLog } from './prediction-log-migrations.js';
import type { PredictionLogDatabase } from './prediction-log-schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';
import { deleteSegmentsBefore } from './sql-prediction-log-retention.js';
import { labelCandidates, labelsOf, overlapping, segmentsByKey, segmentsNewestFirst } from './sql-segment-reads.js';
import type { SegmentScope, SegmentWhere } from './sql-segment-reads.js';

type Db = Kysely<PredictionLogDatabase>;

// Segments per INSERT (8 parameters each: far below both databases' limits). A flush of the batching writer is one
// or a few segments, so it is one statement, which is atomic without a transaction around it.
const SEGMENTS_PER_STATEMENT = 500;
// Labels per INSERT (3 parameters each).
const LABELS_PER_STATEMENT = 500;

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function scopeOf(f: PredictionFilter, atMost?: number): SegmentScope {
  return { model: f.model, version: f.version, since: f.since, until: f.until, atMost };
}

const bounded = (f: PredictionFilter): boolean => f.since !== undefined || f.until !== undefined;

/** Segments wholly inside (or, `yes` false, not wholly inside) a bounded filter's time range. */
function inside(f: PredictionFilter, yes: boolean): SegmentWhere {
  return (eb) => {
    const all: Expression<SqlBool>[] = [];
    if (f.since !== undefined) all.push(eb('min_at', '>=', f.since));
    if (f.until !== undefined) all.push(eb('max_at', '<', f.until));
    return yes ? eb.and(all) : eb.not(eb.and(all));
  };
}

/**
 * The PredictionLog for every SQL database Kysely speaks (SQLite and PostgreSQL), as SqlRegistryStore is for the
 * registry: the backend folders build the Kysely instance and pass capability flags; nothing here asks which
 * database it has. Predictions are stored in segments (ADR 12); SQL narrows a read to the segments of a model,
 * version and time range, and the rest of the filter runs on the decoded records.
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

  async append(records: readonly PredictionRecord[], options?: AppendOptions): Promise<number> {
    // Encoding happens before anything is sent, so a write lock is held only for the insert itself.
    return this.appendEncoded(encodeBatch(records, options));
  }

  async appendEncoded({ segments }: EncodedBatch): Promise<number> {
    if (segments.length === 0) return 0;
    if (segments.length <= SEGMENTS_PER_STATEMENT) return insertSegments(this.#db, segments);
    return this.#db.transaction().execute(async (trx) => {
      let added = 0;
      for (const chunk of chunks(segments, SEGMENTS_PER_STATEMENT)) added += await insertSegments(trx, chunk);
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
    const scope = overlapping(scopeOf(filter));
    let n = 0;
    let decode: SegmentWhere = scope;
    // A segment wholly inside the time range answers a model/version/status count from its columns; the others
    // (cut by since/until), and every segment when route or flag filter, are decoded.
    if (filter.route === undefined && filter.flag === undefined) {
      const sums = await this.#db
        .selectFrom('prediction_log_segment')
        .select((eb) => [eb.fn.sum<number | string | null>('count').as('n'), eb.fn.sum<number | string | null>('errors').as('e')])
        .where(scope)
        .$if(bounded(filter), (qb) => qb.where(inside(filter, true)))
        .executeTakeFirst();
      const all = Number(sums?.n ?? 0);
      const errors = Number(sums?.e ?? 0);
      n = filter.status === undefined ? all : filter.status === 'error' ? errors : all - errors;
      if (!bounded(filter)) return n;
      decode = (eb) => eb.and([scope(eb), inside(filter, false)(eb)]);
    }
    for await (const s of segmentsByKey(this.#db, decode)) {
      for (const r of decodeSegment(s.key, s.body)) if (recordMatches(r, filter)) n++;
    }
    return n;
  }

  async addFeedback(items: readonly PredictionFeedback[]): Promise<void> {
    const rows = toFeedbackRows(items);
    if (rows.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (const chunk of chunks(rows, LABELS_PER_STATEMENT)) {
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
    return this.#db.transaction().execute((trx) => deleteSegmentsBefore(trx, at));
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }

  async #page(query: PredictionQuery, onlyLabelled: boolean): Promise<PredictionPage> {
    const { limit, after } = checkQuery(query);
    // Labelled reads start from the labels: with none recent enough there is nothing to scan (a model whose ground
    // truth has not arrived would otherwise cost a decode of its whole window on every monitoring round).
    const candidates = onlyLabelled ? await labelCandidates(this.#db, query.since, EARLY_LABEL_MS) : null;
    if (candidates !== null && candidates.size === 0) return { items: [], next: null };
    const page = new PageCollector(limit);
    const where = overlapping(scopeOf(query, after?.at));
    for await (const s of segmentsNewestFirst(this.#db, where, (maxAt) => page.needs(maxAt))) {
      if (!page.needs(s.max_at)) break;
      let hits = segmentHits(decodeSegment(s.key, s.body), s, query, after);
      if (candidates !== null) hits = hits.filter((h) => candidates.has(h.id));
      if (onlyLabelled && hits.length > 0) {
        await this.#joinLabels(hits);
        hits = hits.filter((h) => h.label !== undefined);
      }
      page.add(hits);
    }
    const { hits, more } = page.page();
    // A label that lands between the reads shows up already: labels only ever get newer.
    if (!onlyLabelled) await this.#joinLabels(hits);
    return { items: hits.map(toLogged), next: nextCursor(hits, limit, more) };
  }

  async #joinLabels(hits: readonly Hit[]): Promise<void> {
    if (hits.length === 0) return;
    const labels = await labelsOf(
      this.#db,
      hits.map((h) => h.id),
    );
    for (const h of hits) h.label = labels.get(h.id);
  }
}

async function insertSegments(db: Db, segments: readonly SegmentRow[]): Promise<number> {
  // RETURNING lists only the segments this statement inserted: a retried batch's segments conflict and add nothing.
  const inserted = await db
    .insertInto('prediction_log_segment')
    .values(segments)
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('count')
    .execute();
  return inserted.reduce((n, r) => n + Number(r.count), 0);
}
