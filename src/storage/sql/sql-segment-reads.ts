import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { FeedbackRow } from '../prediction-log-codec.js';
import type { SegmentRow } from '../prediction-log-segment.js';
import type { PredictionLogDatabase } from './prediction-log-schema.js';

/**
 * How the SQL prediction log reads segments: which segments a read has to look at, walked in chunks so a read holds
 * a bounded number of bodies at once, and labels fetched by id. Kysely, shared by SQLite and PostgreSQL.
 */

type Db = Kysely<PredictionLogDatabase>;
type Eb = ExpressionBuilder<PredictionLogDatabase, 'prediction_log_segment'>;
/** A WHERE clause on segments. */
export type SegmentWhere = (eb: Eb) => Expression<SqlBool>;

/** A segment without its body. */
export type SegmentMeta = Omit<SegmentRow, 'body'>;

// Segment headers read per statement, and the most bodies fetched per statement (a body is a few hundred records).
const HEADERS_PER_READ = 64;
const MAX_BODIES_PER_READ = 8;
// Ids per `in (...)` list: far below both databases' parameter limits.
const IDS_PER_STATEMENT = 500;

/** What part of the log a read is about: segments that may hold records in it. */
export interface SegmentScope {
  readonly model?: string;
  readonly version?: number;
  /** Inclusive lower bound on `at`. */
  readonly since?: number;
  /** Exclusive upper bound on `at`. */
  readonly until?: number;
  /** Inclusive upper bound on `at` (a cursor's). */
  readonly atMost?: number;
}

/** Segments that may hold a record in the scope: the model and version, and a time range overlapping it. */
export function overlapping(s: SegmentScope): SegmentWhere {
  return (eb) => {
    const all: Expression<SqlBool>[] = [];
    if (s.model !== undefined) all.push(eb('model', '=', s.model));
    if (s.version !== undefined) all.push(eb('version', '=', s.version));
    if (s.since !== undefined) all.push(eb('max_at', '>=', s.since));
    if (s.until !== undefined) all.push(eb('min_at', '<', s.until));
    if (s.atMost !== undefined) all.push(eb('min_at', '<=', s.atMost));
    return eb.and(all);
  };
}

/**
 * The scope's segments, newest `max_at` first (ties by key), bodies included. Headers come in chunks; bodies are
 * fetched a few at a time (more as the walk goes on), and only while `wanted(max_at)` says the reader can still use
 * the next segment, so a page that the first segment fills reads one body, not a chunk of them.
 */
export async function* segmentsNewestFirst(db: Db, where: SegmentWhere, wanted: (maxAt: number) => boolean): AsyncGenerator<SegmentRow> {
  let last: { max_at: number; key: string } | null = null;
  let bodies = 1;
  for (;;) {
    const from: { max_at: number; key: string } | null = last;
    const headers: SegmentMeta[] = await db
      .selectFrom('prediction_log_segment')
      .select(['key', 'model', 'version', 'min_at', 'max_at', 'count', 'errors'])
      .where(where)
      .$if(from !== null, (qb) => qb.where((eb) => eb(eb.refTuple('max_at', 'key'), '<', eb.tuple(from!.max_at, from!.key))))
      .orderBy('max_at', 'desc')
      .orderBy('key', 'desc')
      .limit(HEADERS_PER_READ)
      .execute();
    for (let i = 0; i < headers.length; i += bodies, bodies = Math.min(bodies * 2, MAX_BODIES_PER_READ)) {
      const part = headers.slice(i, i + bodies);
      if (!wanted(Number((part[0] as SegmentMeta).max_at))) return;
      const found = await bodiesOf(db, part.map((h) => h.key));
      // A segment deleted since its header was read is simply gone; one rewritten by retention lost only old records.
      for (const h of part) {
        const body = found.get(h.key);
        if (body !== undefined) yield withNumbers({ ...h, body });
      }
    }
    const end = headers[headers.length - 1];
    if (headers.length < HEADERS_PER_READ || end === undefined) return;
    last = { max_at: Number(end.max_at), key: end.key };
  }
}

/** Segments matching `where` in key order, a few bodies per statement (for scans that do not care about order). */
export async function* segmentsByKey(db: Db, where: SegmentWhere): AsyncGenerator<SegmentRow> {
  let last: string | null = null;
  for (;;) {
    const from: string | null = last;
    const rows: SegmentRow[] = await db
      .selectFrom('prediction_log_segment')
      .selectAll()
      .where(where)
      .$if(from !== null, (qb) => qb.where('key', '>', from!))
      .orderBy('key')
      .limit(MAX_BODIES_PER_READ)
      .execute();
    for (const r of rows) yield withNumbers(r);
    const end = rows[rows.length - 1];
    if (rows.length < MAX_BODIES_PER_READ || end === undefined) return;
    last = end.key;
  }
}

async function bodiesOf(db: Db, keys: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.selectFrom('prediction_log_segment').select(['key', 'body']).where('key', 'in', keys).execute();
  return new Map(rows.map((r) => [r.key, r.body]));
}

// Both drivers already give numbers for these columns; Number() keeps a driver that gives int8 as text honest.
function withNumbers(r: SegmentRow): SegmentRow {
  return { ...r, version: Number(r.version), min_at: Number(r.min_at), max_at: Number(r.max_at), count: Number(r.count), errors: Number(r.errors) };
}

/** Splits ids into `in (...)`-sized lists. */
export function* idChunks(ids: Iterable<string>): Generator<string[]> {
  let chunk: string[] = [];
  for (const id of ids) {
    chunk.push(id);
    if (chunk.length === IDS_PER_STATEMENT) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The labels of these ids (each looked up once), by id. */
export async function labelsOf(db: Db, ids: Iterable<string>): Promise<Map<string, FeedbackRow>> {
  const labels = new Map<string, FeedbackRow>();
  for (const chunk of idChunks(new Set(ids))) {
    const rows = await db.selectFrom('prediction_log_feedback').selectAll().where('id', 'in', chunk).execute();
    for (const r of rows) labels.set(r.id, { id: r.id, label: r.label, at: Number(r.at) });
  }
  return labels;
}

/** Most label ids `labelCandidates` reads into memory; past it, labelled reads join labels segment by segment. */
export const MAX_LABEL_CANDIDATES = 200_000;

/**
 * The ids of labels that could belong to predictions made at `since` or later: labels given from `since - slackMs`
 * on (a label comes after its prediction, up to the clock skew between replicas). Null when there are more than
 * `MAX_LABEL_CANDIDATES`. Lets a labelled read skip the scan entirely when no label is recent enough (the common
 * case of a model whose ground truth has not arrived), and filter segments in memory otherwise.
 */
export async function labelCandidates(db: Db, since: number | undefined, slackMs: number): Promise<Set<string> | null> {
  let q = db.selectFrom('prediction_log_feedback').select('id').limit(MAX_LABEL_CANDIDATES + 1);
  if (since !== undefined) q = q.where('at', '>=', since - slackMs);
  const rows = await q.execute();
  return rows.length > MAX_LABEL_CANDIDATES ? null : new Set(rows.map((r) => r.id));
}

