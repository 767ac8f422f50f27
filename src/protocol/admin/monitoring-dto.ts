import { fail } from '../../core/errors.js';
import type { AccuracyMetrics } from '../../core/monitoring/accuracy.js';
import type { FeedbackInput } from '../../core/monitoring/feedback.js';
import type { LoggedPrediction, PredictionRoute, PredictionStatus } from '../../core/monitoring/prediction-record.js';
import type { AccuracyReport, VersionAccuracy } from '../../services/accuracy-service.js';
import { iso } from './dto.js';

/**
 * The admin API's wire shapes for the prediction log, feedback and live accuracy (snake_case, times as ISO-8601
 * UTC), and the mappings from the domain to them.
 */

/** One logged prediction with its label. */
export interface PredictionDto {
  id: string;
  at: string;
  model: string;
  version: number;
  route: PredictionRoute;
  rows: number;
  latency_ms: number;
  status: PredictionStatus;
  error: string | null;
  flags: string[];
  /** The request body as it was received. */
  inputs: unknown;
  /** The response body as it was answered (null when the request failed). */
  outputs: unknown;
  /** The ground-truth label (null until one arrives; test `label_at` for "has a label"). */
  label: unknown;
  label_at: string | null;
}

/** A page of predictions, newest first. */
export interface PredictionPageDto {
  items: PredictionDto[];
  /** Pass as `after` for the next page; null on the last one. */
  next: string | null;
}

/** Filters of `listPredictions`; times are ISO-8601, epoch ms, or a duration meaning "ago" (`1h`). */
export interface PredictionListQuery {
  /** A version number, or an alias (`production`) resolved now. */
  version?: string;
  since?: string;
  until?: string;
  flag?: string;
  limit?: number;
  after?: string;
}

/** One label as sent. */
export type FeedbackItemDto = FeedbackInput;

/** What `sendFeedback` answers. */
export interface FeedbackAnswerDto {
  /** Labels stored (all of the request's: a bad item stores none). */
  accepted: number;
}

/** Options of `accuracy`. */
export interface AccuracyQueryInput {
  /** A version number or an alias; absent: every version with labels in the range. */
  version?: string;
  /** Default: 7 days before `until`. */
  since?: string;
  /** Default: now. */
  until?: string;
  /** Bucket length (`1h`, `30m`, `1d`): also report per bucket. */
  window?: string;
}

/** The metrics of one bucket. */
export interface AccuracyWindowDto {
  start: string;
  end: string;
  labelled: number;
  metrics: AccuracyMetrics;
}

/** Live accuracy of one version. */
export interface VersionAccuracyDto {
  model: string;
  version: number;
  task: 'classification' | 'regression' | null;
  positive_class: string | null;
  labelled: number;
  unusable: number;
  metrics: AccuracyMetrics;
  windows: AccuracyWindowDto[];
}

/** What `accuracy` answers. */
export interface AccuracyAnswerDto {
  model: string;
  since: string;
  until: string;
  /** The bucket length in milliseconds, or null. */
  window_ms: number | null;
  truncated: boolean;
  versions: VersionAccuracyDto[];
}

/** Maps a logged prediction to its DTO. */
export function predictionDto(p: LoggedPrediction): PredictionDto {
  return {
    id: p.id,
    at: iso(p.at),
    model: p.model,
    version: p.version,
    route: p.route,
    rows: p.rows,
    latency_ms: p.latencyMs,
    status: p.status,
    error: p.error,
    flags: [...p.flags],
    inputs: p.inputs,
    outputs: p.outputs,
    label: p.labelAt === null ? null : p.label,
    label_at: p.labelAt === null ? null : iso(p.labelAt),
  };
}

/** Maps a version's accuracy to its DTO. */
export function versionAccuracyDto(v: VersionAccuracy): VersionAccuracyDto {
  return {
    model: v.model,
    version: v.version,
    task: v.task,
    positive_class: v.positiveClass,
    labelled: v.labelled,
    unusable: v.unusable,
    metrics: { ...v.metrics },
    windows: v.windows.map((w) => ({ start: iso(w.start), end: iso(w.end), labelled: w.labelled, metrics: { ...w.metrics } })),
  };
}

/** Maps an accuracy report to its DTO. */
export function accuracyDto(r: AccuracyReport): AccuracyAnswerDto {
  return {
    model: r.model,
    since: iso(r.since),
    until: iso(r.until),
    window_ms: r.windowMs,
    truncated: r.truncated,
    versions: r.versions.map(versionAccuracyDto),
  };
}

/**
 * The labels of a `POST /api/feedback` body: `{"id", "label"}` (one) or `{"items": [...]}` (many), checked by
 * the service. Anything else is INVALID_REQUEST.
 */
export function feedbackItemsFromBody(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw fail('INVALID_REQUEST', 'the body must be {"id": "<request id>", "label": ...} or {"items": [{"id", "label"}, ...]}');
  }
  const o = body as Record<string, unknown>;
  if (Object.hasOwn(o, 'items')) {
    const extra = Object.keys(o).find((k) => k !== 'items');
    if (extra !== undefined) throw fail('INVALID_REQUEST', `unknown field ${JSON.stringify(extra)} beside "items"`, { field: extra });
    if (!Array.isArray(o['items'])) throw fail('INVALID_REQUEST', '"items" must be an array of {"id", "label"}');
    return o['items'] as unknown[];
  }
  return [o];
}
