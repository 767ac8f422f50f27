import type { SegmentRow } from './prediction-log-segment.js';
import type {
  LoggedPrediction,
  PredictionFeedback,
  PredictionRecord,
  PredictionRoute,
  PredictionStatus,
} from '../core/monitoring/prediction-record.js';

export type {
  LoggedPrediction,
  PredictionFeedback,
  PredictionRecord,
  PredictionRoute,
  PredictionStatus,
} from '../core/monitoring/prediction-record.js';

/**
 * PredictionLog: the port that keeps every prediction the server made, with the ground-truth labels that arrive
 * later, for monitoring (error rates, drift, accuracy) and for looking a request up by id.
 *
 * Contract (every backend passes test/conformance/prediction-log.suite.ts):
 * - `append` is ONE transaction per call: all of its records are stored or none, and it resolves to how many were
 *   newly stored. It is idempotent on the batch key (`options.key`), not on record ids: a call repeating the key of
 *   a call that was stored stores nothing again (0), so a batch whose commit was in doubt can be retried with its
 *   key. Without a key, every call stores its records. Records are stored as given: two records with the same id
 *   (in one call or in two) are both kept, and a label joins every prediction with its id. A malformed record (see
 *   `predictionRecordProblem`) or key rejects the whole call with INVALID_REQUEST before anything is written.
 * - `inputs`, `outputs` and labels are JSON values and come back equal to what `JSON.parse(JSON.stringify(v))`
 *   gives (key order, unicode, `__proto__` keys and U+0000 inside strings included). A JsonText is stored verbatim
 *   and comes back as `JSON.parse(text)`. BigInts are stored as decimal strings. A value JSON cannot hold at all (a
 *   cycle, a throwing `toJSON`) does not fail the append: it is stored as null and the record gains the flag
 *   INPUTS_UNSERIALIZABLE_FLAG / OUTPUTS_UNSERIALIZABLE_FLAG, so one bad record can never block the log. An
 *   unserializable label rejects `addFeedback` with INVALID_REQUEST.
 * - Reads are newest first in one total order: by `at` descending, then `id` descending (JavaScript string order,
 *   the same on every backend), then by where the record is stored (so equal (`at`, `id`) pairs still have a fixed
 *   order). `query` and `labelled` return pages of at most `limit` (default 100, at most MAX_PAGE_SIZE) and a `next`
 *   cursor (null on the last page). A cursor is a position, not an offset: paging with the same filter never repeats
 *   or skips a record that was stored before the first page was read, however many records arrive meanwhile.
 * - Filters: `since` is inclusive, `until` exclusive; `flag` matches records carrying that exact flag.
 * - Labels are stored apart from predictions and joined on read, so a label may arrive before its prediction is
 *   flushed. For one id the label with the greater `at` wins; on equal `at` the later call wins.
 * - `labelled` with a `since` considers only labels given from `since - EARLY_LABEL_MS` on (a label comes after its
 *   prediction, up to clock skew between replicas), so a window with no recent label is answered without a scan.
 * - `deleteBefore(t)` deletes, in one transaction, every prediction with `at < t` and the labels of the deleted
 *   predictions' ids (however recent the label), plus labels older than `t` that no prediction names, where a
 *   label's prediction is looked for from `t` to EARLY_LABEL_MS after it (a label is given after its request
 *   arrived, so it precedes its prediction only by the clock skew between replicas). A label younger than `t` still
 *   waiting for its prediction is kept. It returns the exact number of predictions deleted.
 * - Malformed filters throw INVALID_REQUEST (limit, cursor), INVALID_TIME (since, until, deleteBefore's time) or
 *   INVALID_VERSION; absence is never an error (empty page, count 0).
 * Not promised: which of two records with equal `at` and `id` comes first (only that the order is fixed); that a
 * record appended late with an old `at` shows up in pages already read (cursors move backwards in time); any order
 * of `append` calls running at once; that a label outlives a deleted prediction because a younger prediction reuses
 * its id; validating `model` names (the services do); checking that a JsonText holds JSON (it is trusted: one that
 * does not makes the batch it is stored in unreadable); searching inside `inputs`/`outputs`.
 */
export interface PredictionLog {
  /** Creates or upgrades the schema; idempotent, safe to call from several processes at start. */
  migrate(): Promise<void>;

  /** Stores records in one transaction unless a call with the same key was stored; resolves to how many were new. */
  append(records: readonly PredictionRecord[], options?: AppendOptions): Promise<number>;

  /**
   * `append` without its checking and encoding: stores a batch `encodeBatch` made, with the same transaction and
   * key rules. It lets a writer do the (cheap) encoding on its own thread and hand another thread only strings and
   * numbers (the worker-thread writer does). Pass only what `encodeBatch` returned: nothing here checks it again.
   */
  appendEncoded(batch: EncodedBatch): Promise<number>;

  /** A page of predictions matching the filter, newest first, with labels joined. */
  query(query: PredictionQuery): Promise<PredictionPage>;

  /** How many predictions match the filter. */
  count(filter: PredictionFilter): Promise<number>;

  /** Stores labels in one transaction; per id the label with the greatest `at` is kept. */
  addFeedback(items: readonly PredictionFeedback[]): Promise<void>;

  /** Like `query`, but only predictions that have a label (for accuracy). */
  labelled(query: PredictionQuery): Promise<PredictionPage>;

  /** Retention: deletes predictions older than `at` (and their labels); returns how many predictions went. */
  deleteBefore(at: number): Promise<number>;

  /** Releases connections. */
  close(): Promise<void>;
}

/** How one `append` is stored. */
export interface AppendOptions {
  /**
   * Names the batch (non-empty, without U+0000): a later call with the same key is a retry and stores nothing. The
   * batching writer makes one per batch and reuses it when it retries that batch. Absent: a fresh key per call.
   */
  readonly key?: string;
}

/** Records encoded for storage by `encodeBatch` (prediction-log-segment.ts): plain data, so it can cross threads. */
export interface EncodedBatch {
  readonly segments: readonly SegmentRow[];
}

/**
 * How long after `t` `deleteBefore(t)` looks for the prediction of a label older than `t` before it deletes the
 * label as waiting for a prediction that never came (see the contract).
 */
export const EARLY_LABEL_MS = 60_000;

/** Which predictions a read is about. Every field narrows; `model` is required so reads stay on the index. */
export interface PredictionFilter {
  readonly model: string;
  readonly version?: number;
  readonly route?: PredictionRoute;
  readonly status?: PredictionStatus;
  /** Inclusive lower bound on `at`. */
  readonly since?: number;
  /** Exclusive upper bound on `at`. */
  readonly until?: number;
  /** Only predictions carrying this exact flag. */
  readonly flag?: string;
}

/** A filter plus paging. */
export interface PredictionQuery extends PredictionFilter {
  /** Page size, 1..MAX_PAGE_SIZE (default DEFAULT_PAGE_SIZE). */
  readonly limit?: number;
  /** The `next` of the previous page, to continue after it. */
  readonly after?: PredictionCursor;
}

/**
 * A position in the newest-first order, as an opaque URL-safe string (it may travel in a query parameter). Pass back
 * only what a page returned; anything else throws INVALID_REQUEST.
 */
export type PredictionCursor = string;

/** One page of a read. */
export interface PredictionPage {
  readonly items: LoggedPrediction[];
  /** Where the next page starts, or null when this page is the last. */
  readonly next: PredictionCursor | null;
}

/** Page size when a query gives no limit. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest page a query may ask for. */
export const MAX_PAGE_SIZE = 10_000;
