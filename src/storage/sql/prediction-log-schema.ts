import type { FeedbackRow } from '../prediction-log-codec.js';
import type { SegmentRow } from '../prediction-log-segment.js';

/**
 * The prediction log's tables as Kysely sees them. Like the registry's, dialect-neutral: JSON is text (written in
 * `prediction-log-segment.ts`, labels in `prediction-log-codec.ts`), times are bigint epoch milliseconds. Table names
 * carry a `prediction_log` prefix so the log can share a database with the registry.
 */

/** The prediction log's database, for `Kysely<PredictionLogDatabase>`. */
export interface PredictionLogDatabase {
  /** One row per segment: the records of one (model, version) from one append (ADR 12). */
  prediction_log_segment: SegmentRow;
  /** One row per labelled request id; no foreign key, since a label may arrive before its prediction. */
  prediction_log_feedback: FeedbackRow;
}
