import type { PredictionFeedback, PredictionRecord } from '../../core/monitoring/prediction-record.js';
import { EARLY_LABEL_MS } from '../prediction-log.js';
import type { AppendOptions, EncodedBatch, PredictionFilter, PredictionLog, PredictionPage, PredictionQuery } from '../prediction-log.js';
import { checkFilter, checkQuery, checkRetentionTime, nextCursor, toFeedbackRows } from '../prediction-log-codec.js';
import type { FeedbackRow } from '../prediction-log-codec.js';
import { PageCollector, recordMatches, segmentHits, toLogged } from '../prediction-log-page.js';
import { F, decodeSegment, encodeBatch } from '../prediction-log-segment.js';
import type { SegmentRow } from '../prediction-log-segment.js';
import { claimingIds, trimSegment } from '../prediction-log-retention.js';

/** Newest `max_at` first, ties by key: the order the SQL backend walks segments in. */
const byMaxAtDesc = (a: SegmentRow, b: SegmentRow): number => b.max_at - a.max_at || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);

/**
 * A PredictionLog in Maps, for tests and throwaway servers. It keeps the same segments (JSON text) the SQL backends
 * do, built and read through the same shared code, so values and the order of equal records come back exactly as
 * from a database, and a caller mutating an object it logged cannot change what is stored. Reads scan every
 * segment: fine for the sizes it is meant for.
 */
export class MemoryPredictionLog implements PredictionLog {
  readonly #segments = new Map<string, SegmentRow>();
  readonly #feedback = new Map<string, FeedbackRow>();

  async migrate(): Promise<void> {
    // nothing to create
  }

  async append(records: readonly PredictionRecord[], options?: AppendOptions): Promise<number> {
    // Encode everything before storing anything, so the call is all-or-nothing like a transaction.
    return this.appendEncoded(encodeBatch(records, options));
  }

  async appendEncoded({ segments }: EncodedBatch): Promise<number> {
    let added = 0;
    for (const s of segments) {
      if (this.#segments.has(s.key)) continue;
      this.#segments.set(s.key, s);
      added += s.count;
    }
    return added;
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
    for (const s of this.#scope(filter)) {
      for (const r of decodeSegment(s.key, s.body)) if (recordMatches(r, filter)) n++;
    }
    return n;
  }

  async addFeedback(items: readonly PredictionFeedback[]): Promise<void> {
    for (const row of toFeedbackRows(items)) {
      const held = this.#feedback.get(row.id);
      if (held === undefined || held.at <= row.at) this.#feedback.set(row.id, row);
    }
  }

  async deleteBefore(t: number): Promise<number> {
    checkRetentionTime(t);
    let deleted = 0;
    const gone: string[] = [];
    for (const s of [...this.#segments.values()]) {
      if (s.min_at >= t) continue;
      if (s.max_at < t) {
        this.#segments.delete(s.key);
        deleted += s.count;
        for (const r of decodeSegment(s.key, s.body)) gone.push(r[F.id]);
        continue;
      }
      const { segment, removedIds } = trimSegment(s, t);
      if (segment === null) this.#segments.delete(s.key);
      else this.#segments.set(s.key, segment);
      deleted += removedIds.length;
      gone.push(...removedIds);
    }
    for (const id of gone) this.#feedback.delete(id);
    const claimed = new Set<string>();
    for (const s of this.#segments.values()) {
      if (s.max_at < t || s.min_at >= t + EARLY_LABEL_MS) continue;
      for (const id of claimingIds(decodeSegment(s.key, s.body), t)) claimed.add(id);
    }
    for (const [id, label] of this.#feedback) {
      if (label.at < t && !claimed.has(id)) this.#feedback.delete(id);
    }
    return deleted;
  }

  async close(): Promise<void> {
    // nothing to release
  }

  /** The segments that may hold records of the filter (its model, version and time range), newest first. */
  #scope(f: PredictionFilter, atMost?: number): SegmentRow[] {
    const found: SegmentRow[] = [];
    for (const s of this.#segments.values()) {
      if (s.model !== f.model || (f.version !== undefined && s.version !== f.version)) continue;
      if ((f.since !== undefined && s.max_at < f.since) || (f.until !== undefined && s.min_at >= f.until)) continue;
      if (atMost !== undefined && s.min_at > atMost) continue;
      found.push(s);
    }
    return found.sort(byMaxAtDesc);
  }

  #page(query: PredictionQuery, onlyLabelled: boolean): PredictionPage {
    const { limit, after } = checkQuery(query);
    const page = new PageCollector(limit);
    for (const s of this.#scope(query, after?.at)) {
      if (!page.needs(s.max_at)) break;
      const hits = segmentHits(decodeSegment(s.key, s.body), s, query, after);
      for (const h of hits) h.label = this.#feedback.get(h.id);
      // The same rule as the SQL backend: a labelled read looks only at labels given from `since - EARLY_LABEL_MS`.
      const earliest = query.since === undefined ? -Infinity : query.since - EARLY_LABEL_MS;
      page.add(onlyLabelled ? hits.filter((h) => h.label !== undefined && h.label.at >= earliest) : hits);
    }
    const { hits, more } = page.page();
    return { items: hits.map(toLogged), next: nextCursor(hits, limit, more) };
  }
}
