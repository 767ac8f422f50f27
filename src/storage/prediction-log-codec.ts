import { randomUUID } from 'node:crypto';
import { fail } from '../core/errors.js';
import {
  PREDICTION_ROUTES,
  PREDICTION_STATUSES,
  feedbackProblem,
  predictionRecordProblem,
} from '../core/monitoring/prediction-record.js';
import type { PredictionFeedback, PredictionRecord } from '../core/monitoring/prediction-record.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './prediction-log.js';
import type { AppendOptions, PredictionCursor, PredictionFilter, PredictionQuery } from './prediction-log.js';

/**
 * The one place PredictionLog backends check what they are given (records, filters, cursors) and turn values into
 * JSON text. How records are packed into stored segments is `prediction-log-segment.ts`; the memory backend uses
 * both, so it keeps exactly the values the SQL backends keep.
 */

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
export function jsonText(value: unknown): string | null {
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

/** The batch key of an append: the caller's (checked: INVALID_REQUEST unless non-empty text), or a fresh one. */
export function batchKey(options: AppendOptions | undefined): string {
  const key = options?.key;
  if (key === undefined) return randomUUID();
  if (typeof key !== 'string' || key.length === 0 || key.includes('\u0000')) {
    throw fail('INVALID_REQUEST', 'an append key must be a non-empty string without U+0000', { field: 'key' });
  }
  return key;
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

/**
 * A record's place in the newest-first order: `at` descending, then `id`, then the key of the segment holding it,
 * then its position in that segment (all descending, strings in JavaScript's order). The last two make the order
 * total, so two records with equal `at` and `id` still page apart.
 */
export interface CursorPosition {
  readonly at: number;
  readonly id: string;
  readonly key: string;
  readonly pos: number;
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

/** The cursor that continues after `p`. */
export function encodeCursor(p: CursorPosition): PredictionCursor {
  return Buffer.from(JSON.stringify([p.at, p.id, p.key, p.pos]), 'utf8').toString('base64url');
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && !v.includes('\u0000');

function decodeCursor(cursor: unknown): CursorPosition {
  if (typeof cursor === 'string' && /^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(value) && value.length === 4) {
        const [at, id, key, pos] = value as unknown[];
        if (Number.isSafeInteger(at) && isText(id) && isText(key) && Number.isSafeInteger(pos) && (pos as number) >= 0) {
          return { at: at as number, id, key, pos: pos as number };
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
