import type { FeedbackRow, PredictionRow } from '../prediction-log-codec.js';

/**
 * The prediction log's tables as Kysely sees them. Like the registry's, dialect-neutral: JSON values are text
 * (written and parsed in `prediction-log-codec.ts`), times are bigint epoch milliseconds. Table names carry a
 * `prediction_log` prefix so the log can share a database with the registry.
 */

/** `prediction_log_flags`: one row per (prediction, flag), so a flag filter is an exact, indexed lookup. */
export interface PredictionFlagsTable {
  id: string;
  flag: string;
}

/** The prediction log's database, for `Kysely<PredictionLogDatabase>`. */
export interface PredictionLogDatabase {
  /** One row per prediction, keyed by request id. */
  prediction_log: PredictionRow;
  prediction_log_flags: PredictionFlagsTable;
  /** One row per labelled request id; no foreign key, since a label may arrive before its prediction. */
  prediction_log_feedback: FeedbackRow;
}
