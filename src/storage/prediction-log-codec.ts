import { fail } from '../core/errors.js';
import {
  INPUTS_UNSERIALIZABLE_FLAG,
  OUTPUTS_UNSERIALIZABLE_FLAG,
  PREDICTION_ROUTES,
  PREDICTION_STATUSES,
  feedbackProblem,
  predictionRecordProblem,
} from '../core/monitoring/prediction-record.js';
import type {
  LoggedPrediction,
  PredictionFeedback,
  PredictionRecord,
  PredictionRoute,
  PredictionStatus,
} from '../core/monitoring/prediction-record.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './prediction-log.js';
import type { PredictionCursor, PredictionFilter, PredictionQuery } from './prediction-log.js';

/**
 * The one place PredictionLog backends turn records into stored rows and back, check filters, and read cursors.
 * The memory backend stores the same rows (JSON as text) the SQL tables do, so both keep exactly the same values.
 */

/** A stored prediction: JSON values as text, column names as in the SQL table. */
export interface PredictionRow {
  id: string;
  at: number;
  model: string;
  version: number;
  route: string;
  status: string;
  error: string | null;
  latency_ms: number;
  rows: number;
  /** JSON array of strings. */
  flags: string;
  /** JSON value. */
  inputs: string;
  /** JSON value. */
  outputs: string;
}

/** A stored label: its JSON text and when it was given. */
export interface FeedbackRow {
  id: string;
  label: string;
  at: number;
}

const bigintsAsStrings = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

/**
 * JSON text of a value, or null when JSON cannot hold it. The plain stringify runs first; the replacer (which
 * slows every value down) only when that fails, which in practice means a BigInt. `undefined` becomes `null`.
 */
function jsonText(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    try {
      return JSON.stringify(value, bigintsAsStrings) ?? 'null';
    } catch {
      return null;
    }
  }
}

/** Throws INVALID_REQUEST naming the first malformed record; nothing is written when one is. */
export function checkRecords(records: readonly PredictionRecord[]): void {
  if (!Array.isArray(records)) throw fail('INVALID_REQUEST', 'append takes an array of prediction records');
  for (let i = 0; i < records.length; i++) {
    const problem = predictionRecordProblem(records[i] as PredictionRecord);
    if (problem !== null) {
      const id = (records[i] as { id?: unknown } | null)?.id;
      throw fail('INVALID_REQUEST', `prediction record ${i}: ${problem}`, { index: i, id: typeof id === 'string' ? id : null });
    }
  }
}

/** The records whose id has not appeared before in the list (the first of each id wins, as in the store). */
export function firstOfEachId(records: readonly PredictionRecord[]): PredictionRecord[] {
  const seen = new Set<string>();
  const out: PredictionRecord[] = [];
  for (const r of records) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(r);
  }
  return out;
}

/** The row that stores a (checked) record. */
export function toPredictionRow(r: PredictionRecord): PredictionRow {
  const flags = [...new Set(r.flags)];
  let inputs = jsonText(r.inputs);
  if (inputs === null) {
    inputs = 'null';
    if (!flags.includes(INPUTS_UNSERIALIZABLE_FLAG)) flags.push(INPUTS_UNSERIALIZABLE_FLAG);
  }
  let outputs = jsonText(r.outputs);
  if (outputs === null) {
    outputs = 'null';
    if (!flags.includes(OUTPUTS_UNSERIALIZABLE_FLAG)) flags.push(OUTPUTS_UNSERIALIZABLE_FLAG);
  }
  return {
    id: r.id,
    at: r.at,
    model: r.model,
    version: r.version,
    route: r.route,
    status: r.status,
    error: r.error,
    latency_ms: r.latencyMs,
    rows: r.rows,
    flags: JSON.stringify(flags),
    inputs,
    outputs,
  };
}

/** The flags of a stored row. */
export function rowFlags(row: Pick<PredictionRow, 'flags'>): string[] {
  return JSON.parse(row.flags) as string[];
}

/**
 * A stored prediction with its label (label text and time both null when there is none). The store wrote these
 * columns itself, so parsing them back is a trusted cast.
 */
export function fromPredictionRow(row: PredictionRow, label: string | null, labelAt: number | null): LoggedPrediction {
  return {
    id: row.id,
    at: row.at,
    model: row.model,
    version: row.version,
    route: row.route as PredictionRoute,
    rows: row.rows,
    inputs: JSON.parse(row.inputs) as unknown,
    outputs: JSON.parse(row.outputs) as unknown,
    latencyMs: row.latency_ms,
    status: row.status as PredictionStatus,
    error: row.error,
    flags: rowFlags(row),
    label: label === null ? null : (JSON.parse(label) as unknown),
    labelAt: label === null ? null : labelAt,
  };
}

/**
 * The feedback rows to write for a call: checked (INVALID_REQUEST names the first bad item), labels serialized,
 * and one row per id (the greatest `at`, the later item on a tie), since one statement may not touch a row twice.
 */
export function toFeedbackRows(items: readonly PredictionFeedback[]): FeedbackRow[] {
  if (!Array.isArray(items)) throw fail('INVALID_REQUEST', 'addFeedback takes an array of { id, label, at }');
  const byId = new Map<string, FeedbackRow>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as PredictionFeedback;
    const problem = feedbackProblem(item);
    if (problem !== null) throw fail('INVALID_REQUEST', `feedback item ${i}: ${problem}`, { index: i });
    const label = jsonText(item.label);
    if (label === null) throw fail('INVALID_REQUEST', `feedback item ${i}: the label is not a JSON value`, { index: i, id: item.id });
    const held = byId.get(item.id);
    if (held === undefined || held.at <= item.at) byId.set(item.id, { id: item.id, label, at: item.at });
  }
  return [...byId.values()];
}

const ROUTES: ReadonlySet<string> = new Set(PREDICTION_ROUTES);
const STATUSES: ReadonlySet<string> = new Set(PREDICTION_STATUSES);

function checkText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.includes('\u0000')) {
    throw fail('INVALID_REQUEST', `${field} must be a string without U+0000`, { field });
  }
}

function checkTime(value: unknown, field: string): void {
  if (!Number.isSafeInteger(value)) throw fail('INVALID_TIME', `${field} must be epoch milliseconds (a whole number)`, { field });
}

/** Throws when a filter is malformed (see the port's contract for which code). */
export function checkFilter(f: PredictionFilter): void {
  if (typeof f !== 'object' || f === null) throw fail('INVALID_REQUEST', 'a prediction filter must be an object naming a model');
  checkText(f.model, 'model');
  if (f.version !== undefined && (!Number.isSafeInteger(f.version) || f.version < 1)) {
    throw fail('INVALID_VERSION', `version must be a positive whole number, got ${String(f.version)}`, { version: f.version });
  }
  if (f.route !== undefined && !ROUTES.has(f.route)) {
    throw fail('INVALID_REQUEST', `route must be one of ${PREDICTION_ROUTES.join(', ')}`, { field: 'route' });
  }
  if (f.status !== undefined && !STATUSES.has(f.status)) {
    throw fail('INVALID_REQUEST', `status must be one of ${PREDICTION_STATUSES.join(', ')}`, { field: 'status' });
  }
  if (f.since !== undefined) checkTime(f.since, 'since');
  if (f.until !== undefined) checkTime(f.until, 'until');
  if (f.flag !== undefined) checkText(f.flag, 'flag');
}

/** A checked query's page size and starting position. */
export interface PageRequest {
  readonly limit: number;
  readonly after: CursorPosition | null;
}

/** Where a cursor points: the last record of the previous page. */
export interface CursorPosition {
  readonly at: number;
  readonly id: string;
}

/** Checks a query (filter, limit, cursor); throws as the contract says. */
export function checkQuery(q: PredictionQuery): PageRequest {
  checkFilter(q);
  const limit = q.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw fail('INVALID_REQUEST', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(q.limit)}`, { field: 'limit' });
  }
  return { limit, after: q.after === undefined ? null : decodeCursor(q.after) };
}

/** The cursor that continues after `row`. */
export function encodeCursor(row: CursorPosition): PredictionCursor {
  return Buffer.from(JSON.stringify([row.at, row.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: unknown): CursorPosition {
  if (typeof cursor === 'string' && /^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(value) && value.length === 2) {
        const [at, id] = value as [unknown, unknown];
        if (Number.isSafeInteger(at) && typeof id === 'string' && id.length > 0 && !id.includes('\u0000')) {
          return { at: at as number, id };
        }
      }
    } catch {
      // fall through to the one error below
    }
  }
  throw fail('INVALID_REQUEST', 'after is not a cursor this log returned', { field: 'after' });
}

/** The page's `next`: a cursor after its last item when the read found more than `limit`, else null. */
export function nextCursor(items: readonly CursorPosition[], limit: number, more: boolean): PredictionCursor | null {
  const last = items[limit - 1];
  return more && last !== undefined ? encodeCursor(last) : null;
}

/** Throws INVALID_TIME unless `at` is whole epoch milliseconds. */
export function checkRetentionTime(at: number): void {
  checkTime(at, 'deleteBefore time');
}
