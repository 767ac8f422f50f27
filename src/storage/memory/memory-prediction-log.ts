import type { LoggedPrediction, PredictionFeedback, PredictionRecord } from '../../core/monitoring/prediction-record.js';
import type { PredictionFilter, PredictionLog, PredictionPage, PredictionQuery } from '../prediction-log.js';
import {
  checkFilter,
  checkQuery,
  checkRecords,
  checkRetentionTime,
  firstOfEachId,
  fromPredictionRow,
  nextCursor,
  rowFlags,
  toFeedbackRows,
  toPredictionRow,
} from '../prediction-log-codec.js';
import type { CursorPosition, FeedbackRow, PredictionRow } from '../prediction-log-codec.js';

interface Stored {
  readonly row: PredictionRow;
  readonly flags: ReadonlySet<string>;
}

/** Newest first: `at` descending, then `id` descending. */
function newestFirst(a: CursorPosition, b: CursorPosition): number {
  if (a.at !== b.at) return b.at - a.at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * A PredictionLog in Maps, for tests and throwaway servers. It keeps the same JSON text rows the SQL backends do
 * (through the shared codec), so values come back exactly as from a database and a caller mutating an object it
 * logged cannot change what is stored. Reads scan and sort everything: fine for the sizes it is meant for.
 */
export class MemoryPredictionLog implements PredictionLog {
  readonly #predictions = new Map<string, Stored>();
  readonly #feedback = new Map<string, FeedbackRow>();

  async migrate(): Promise<void> {
    // nothing to create
  }

  async append(records: readonly PredictionRecord[]): Promise<number> {
    checkRecords(records);
    // Encode everything before storing anything, so the call is all-or-nothing like a transaction.
    const rows = firstOfEachId(records)
      .filter((r) => !this.#predictions.has(r.id))
      .map(toPredictionRow);
    for (const row of rows) this.#predictions.set(row.id, { row, flags: new Set(rowFlags(row)) });
    return rows.length;
  }

  async query(query: PredictionQuery): Promise<PredictionPage> {
    return this.#page(query, false);
  }

  async labelled(query: PredictionQuery): Promise<PredictionPage> {
    return this.#page(query, true);
  }

  async count(filter: PredictionFilter): Promise<number> {
    checkFilter(filter);
    let n = 0;
    for (const stored of this.#predictions.values()) if (matches(stored, filter)) n++;
    return n;
  }

  async addFeedback(items: readonly PredictionFeedback[]): Promise<void> {
    for (const row of toFeedbackRows(items)) {
      const held = this.#feedback.get(row.id);
      if (held === undefined || held.at <= row.at) this.#feedback.set(row.id, row);
    }
  }

  async deleteBefore(at: number): Promise<number> {
    checkRetentionTime(at);
    let deleted = 0;
    for (const [id, stored] of this.#predictions) {
      if (stored.row.at < at) {
        this.#predictions.delete(id);
        this.#feedback.delete(id);
        deleted++;
      }
    }
    for (const [id, label] of this.#feedback) {
      if (label.at < at && !this.#predictions.has(id)) this.#feedback.delete(id);
    }
    return deleted;
  }

  async close(): Promise<void> {
    // nothing to release
  }

  #page(query: PredictionQuery, onlyLabelled: boolean): PredictionPage {
    const { limit, after } = checkQuery(query);
    const found: Stored[] = [];
    for (const stored of this.#predictions.values()) {
      if (!matches(stored, query)) continue;
      if (onlyLabelled && !this.#feedback.has(stored.row.id)) continue;
      if (after !== null && newestFirst(after, stored.row) >= 0) continue;
      found.push(stored);
    }
    found.sort((a, b) => newestFirst(a.row, b.row));
    const items: LoggedPrediction[] = found.slice(0, limit).map(({ row }) => {
      const label = this.#feedback.get(row.id);
      return fromPredictionRow(row, label?.label ?? null, label?.at ?? null);
    });
    return { items, next: nextCursor(items, limit, found.length > limit) };
  }
}

function matches({ row, flags }: Stored, f: PredictionFilter): boolean {
  return (
    row.model === f.model &&
    (f.version === undefined || row.version === f.version) &&
    (f.route === undefined || row.route === f.route) &&
    (f.status === undefined || row.status === f.status) &&
    (f.since === undefined || row.at >= f.since) &&
    (f.until === undefined || row.at < f.until) &&
    (f.flag === undefined || flags.has(f.flag))
  );
}
