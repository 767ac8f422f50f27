/**
 * What the prediction log keeps about one answered (or failed) request, and the rules a record must follow to be
 * stored. Pure: the log's backends and the batching writer share these checks, so a record one backend accepts
 * every backend accepts.
 */

/** How a request reached the version that answered it. */
export const PREDICTION_ROUTES = ['production', 'canary', 'shadow', 'fallback', 'direct'] as const;

/** How a request reached the version that answered it: by the production alias, a canary split, a shadow copy,
 * a fallback after a failure, or a request that named the version itself. */
export type PredictionRoute = (typeof PREDICTION_ROUTES)[number];

/** Whether the request was answered. */
export const PREDICTION_STATUSES = ['ok', 'error'] as const;

/** Whether the request was answered (`ok`) or failed (`error`, with a code in `error`). */
export type PredictionStatus = (typeof PREDICTION_STATUSES)[number];

/**
 * The text of a JSON document that was already parsed successfully: the server passes the raw request body it
 * parsed and the response text it sent, so the prediction log stores them verbatim and never runs JSON.stringify on
 * the hot path. Read back, the value is `JSON.parse(text)`. The text is trusted, not checked (checking would cost
 * the parse it saves): text that is not JSON makes the stored batch it lands in unreadable.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** One prediction as the log stores it. Times are UTC epoch milliseconds. */
export interface PredictionRecord {
  /**
   * The request id, the key ground-truth labels are joined on. Not necessarily unique: a caller's own
   * `x-request-id` is reused, and a label joins every prediction with its id.
   */
  readonly id: string;
  /** When the request arrived. */
  readonly at: number;
  readonly model: string;
  readonly version: number;
  readonly route: PredictionRoute;
  /** How many rows (instances) the request carried, so row-level rates need no parsing of `inputs`. */
  readonly rows: number;
  /** The request's inputs: a JSON value, or a JsonText stored verbatim (read back parsed). */
  readonly inputs: unknown;
  /** The answer: a JSON value or a JsonText; null when the request failed. */
  readonly outputs: unknown;
  /** Time spent answering, in milliseconds (fractions allowed). */
  readonly latencyMs: number;
  readonly status: PredictionStatus;
  /** The error code when `status` is `error`, else null. */
  readonly error: string | null;
  /** Markers such as `out_of_distribution` or `fallback:cache`; order is kept, duplicates are not. */
  readonly flags: readonly string[];
}

/** A stored prediction with the ground-truth label joined to it (both null until one arrives). */
export interface LoggedPrediction extends PredictionRecord {
  /** The label as a JSON value; may itself be JSON null, so test `labelAt`, not `label`, for "has a label". */
  readonly label: unknown;
  /** When the label was given; null when there is none. */
  readonly labelAt: number | null;
}

/** A ground-truth label for the prediction with request id `id`, given at time `at`. */
export interface PredictionFeedback {
  readonly id: string;
  readonly label: unknown;
  readonly at: number;
}

/** Added to a record whose inputs could not be turned into JSON; its inputs are stored as null. */
export const INPUTS_UNSERIALIZABLE_FLAG = 'log:inputs_unserializable';
/** Added to a record whose outputs could not be turned into JSON; its outputs are stored as null. */
export const OUTPUTS_UNSERIALIZABLE_FLAG = 'log:outputs_unserializable';

const ROUTES: ReadonlySet<string> = new Set(PREDICTION_ROUTES);
const STATUSES: ReadonlySet<string> = new Set(PREDICTION_STATUSES);

// U+0000 is refused in every stored string because PostgreSQL text cannot hold it; refusing it everywhere keeps
// the backends equal. (Inside JSON values it is fine: JSON.stringify escapes it as \u0000.)
function isText(value: unknown, allowEmpty = false): value is string {
  return typeof value === 'string' && (allowEmpty || value.length > 0) && !value.includes('\u0000');
}

/**
 * What is wrong with a record for storing it, or null when nothing is. Checks shapes and ranges only, cheaply;
 * `inputs` and `outputs` are not inspected (a value JSON cannot hold is stored as null with a flag instead).
 */
export function predictionRecordProblem(r: PredictionRecord): string | null {
  if (typeof r !== 'object' || r === null) return 'a prediction record must be an object';
  if (!isText(r.id)) return 'id must be a non-empty string without U+0000';
  if (!Number.isSafeInteger(r.at)) return `at must be epoch milliseconds (a whole number), got ${String(r.at)}`;
  if (!isText(r.model)) return 'model must be a non-empty string without U+0000';
  if (!Number.isSafeInteger(r.version) || r.version < 1) return `version must be a positive whole number, got ${String(r.version)}`;
  if (!ROUTES.has(r.route)) return `route must be one of ${PREDICTION_ROUTES.join(', ')}`;
  if (!Number.isSafeInteger(r.rows) || r.rows < 0) return `rows must be a whole number >= 0, got ${String(r.rows)}`;
  if (typeof r.latencyMs !== 'number' || !Number.isFinite(r.latencyMs) || r.latencyMs < 0) {
    return `latencyMs must be a finite number >= 0, got ${String(r.latencyMs)}`;
  }
  if (!STATUSES.has(r.status)) return `status must be one of ${PREDICTION_STATUSES.join(', ')}`;
  if (r.error !== null && !isText(r.error)) return 'error must be null or a non-empty string without U+0000';
  if (!Array.isArray(r.flags) || !r.flags.every((f) => isText(f))) return 'flags must be an array of non-empty strings without U+0000';
  if (r.inputs instanceof JsonText && typeof r.inputs.text !== 'string') return 'inputs must be a JsonText holding a string';
  if (r.outputs instanceof JsonText && typeof r.outputs.text !== 'string') return 'outputs must be a JsonText holding a string';
  return null;
}

/** What is wrong with a feedback item, or null. The label is checked when it is serialized. */
export function feedbackProblem(f: PredictionFeedback): string | null {
  if (typeof f !== 'object' || f === null) return 'a feedback item must be an object';
  if (!isText(f.id)) return 'id must be a non-empty string without U+0000';
  if (!Number.isSafeInteger(f.at)) return `at must be epoch milliseconds (a whole number), got ${String(f.at)}`;
  return null;
}
