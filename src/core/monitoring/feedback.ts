/**
 * The rules a ground-truth label must follow to be accepted: checked before anything is stored, so a request with
 * one bad item stores nothing and its answer names the item.
 */
import { fail } from '../errors.js';

/** One label for the prediction with request id `id`. */
export interface FeedbackInput {
  /** The request id of the prediction (the `x-request-id` header of its answer). */
  readonly id: string;
  /**
   * A boolean, finite number or string; for a request that scored several rows, an array with one of those per row.
   */
  readonly label: unknown;
}

/** The most labels one call takes. */
export const MAX_FEEDBACK_ITEMS = 10_000;
/** The longest request id a label may name. */
export const MAX_FEEDBACK_ID_LENGTH = 1024;
/** The most per-row labels one item may carry. */
export const MAX_LABEL_ROWS = 100_000;

const FIELDS: ReadonlySet<string> = new Set(['id', 'label']);

/**
 * Checks a list of labels as sent (parsed JSON) and returns them typed; throws INVALID_REQUEST naming the first bad
 * item (`item 3: ...`, with `details.index`), a duplicate id (both indexes), an empty list or one longer than
 * MAX_FEEDBACK_ITEMS.
 */
export function checkFeedbackItems(items: unknown): FeedbackInput[] {
  if (!Array.isArray(items)) throw fail('INVALID_REQUEST', 'feedback must be {"id", "label"} or {"items": [{"id", "label"}, ...]}');
  if (items.length === 0) throw fail('INVALID_REQUEST', 'feedback "items" is empty: send at least one {"id", "label"}');
  if (items.length > MAX_FEEDBACK_ITEMS) {
    throw fail('INVALID_REQUEST', `feedback has ${items.length} items; send at most ${MAX_FEEDBACK_ITEMS} per request`, { items: items.length });
  }
  const seen = new Map<string, number>();
  const out: FeedbackInput[] = [];
  for (let i = 0; i < items.length; i++) {
    const where = `feedback item ${i}`;
    const problem = itemProblem(items[i]);
    if (problem !== null) throw fail('INVALID_REQUEST', `${where}: ${problem}`, { index: i });
    const item = items[i] as { id: string; label: unknown };
    const earlier = seen.get(item.id);
    if (earlier !== undefined) {
      throw fail('INVALID_REQUEST', `${where}: id ${JSON.stringify(item.id)} is also item ${earlier}; send one label per prediction`, {
        index: i,
        duplicateOf: earlier,
      });
    }
    seen.set(item.id, i);
    out.push({ id: item.id, label: item.label });
  }
  return out;
}

/** What is wrong with one item, or null. */
export function itemProblem(item: unknown): string | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'must be an object {"id", "label"}';
  const o = item as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!FIELDS.has(key)) return `unknown field ${JSON.stringify(key)} (fields: id, label)`;
  const id = o['id'];
  if (typeof id !== 'string' || id.length === 0) return '"id" must be the request id of a prediction (a non-empty string)';
  if (id.length > MAX_FEEDBACK_ID_LENGTH) return `"id" is longer than ${MAX_FEEDBACK_ID_LENGTH} characters`;
  if (id.includes('\u0000')) return '"id" must not contain U+0000';
  if (!Object.hasOwn(o, 'label')) return '"label" is missing';
  return labelProblem(o['label']);
}

function labelProblem(label: unknown): string | null {
  if (isScalarLabel(label)) return null;
  if (Array.isArray(label)) {
    if (label.length === 0) return '"label" is an empty array (a multi-row request takes one label per row)';
    if (label.length > MAX_LABEL_ROWS) return `"label" has more than ${MAX_LABEL_ROWS} rows`;
    const bad = label.findIndex((l) => !isScalarLabel(l));
    if (bad < 0) return null;
    return `"label"[${bad}] must be a boolean, a finite number or a string`;
  }
  return '"label" must be a boolean, a finite number or a string, or an array of them (one per row of a multi-row request)';
}

function isScalarLabel(v: unknown): boolean {
  return typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}
