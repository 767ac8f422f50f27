import type { LoggedPrediction } from '../core/monitoring/prediction-record.js';
import type { CursorPosition, FeedbackRow } from './prediction-log-codec.js';
import type { PredictionFilter } from './prediction-log.js';
import { F } from './prediction-log-segment.js';
import type { StoredRecord } from './prediction-log-segment.js';

/**
 * How every PredictionLog backend turns decoded segments into pages: which records a filter keeps, the one total
 * newest-first order, and collecting the newest `limit + 1` matches while segments arrive in any order of time.
 */

/** A record that matched a read, with where it is stored (its place in the order) and, once looked up, its label. */
export class Hit implements CursorPosition {
  readonly at: number;
  readonly id: string;
  label: FeedbackRow | undefined = undefined;

  constructor(
    readonly record: StoredRecord,
    readonly key: string,
    readonly pos: number,
    readonly model: string,
    readonly version: number,
  ) {
    this.at = record[F.at];
    this.id = record[F.id];
  }
}

/** Negative when `a` comes first in the newest-first order (see CursorPosition), 0 only for the same place. */
export function newestFirst(a: CursorPosition, b: CursorPosition): number {
  if (a.at !== b.at) return b.at - a.at;
  if (a.id !== b.id) return a.id < b.id ? 1 : -1;
  if (a.key !== b.key) return a.key < b.key ? 1 : -1;
  return b.pos - a.pos;
}

/** Whether a record of a segment already known to be of the filter's model and version passes the rest of it. */
export function recordMatches(r: StoredRecord, f: PredictionFilter): boolean {
  const at = r[F.at];
  return (
    (f.since === undefined || at >= f.since) &&
    (f.until === undefined || at < f.until) &&
    (f.route === undefined || r[F.route] === f.route) &&
    (f.status === undefined || r[F.status] === f.status) &&
    (f.flag === undefined || r[F.flags].includes(f.flag))
  );
}

/** The matches of one segment's records: filter, and strictly after the cursor when there is one. */
export function segmentHits(
  records: readonly StoredRecord[],
  segment: { readonly key: string; readonly model: string; readonly version: number },
  f: PredictionFilter,
  after: CursorPosition | null,
): Hit[] {
  const hits: Hit[] = [];
  for (let pos = 0; pos < records.length; pos++) {
    const r = records[pos] as StoredRecord;
    if (!recordMatches(r, f)) continue;
    const hit = new Hit(r, segment.key, pos, segment.model, segment.version);
    if (after === null || newestFirst(after, hit) < 0) hits.push(hit);
  }
  return hits;
}

/**
 * Keeps the newest `limit + 1` hits of a read (one more than a page, to know whether there is a next page) while
 * segments are added newest `max_at` first. Segments of different appends may overlap in time (several replicas
 * writing to one database), so a segment's records may rank anywhere: the read stops only when the next segment's
 * `max_at` is older than the last hit it holds.
 */
export class PageCollector {
  readonly #want: number;
  #held: Hit[] = [];

  constructor(readonly limit: number) {
    this.#want = limit + 1;
  }

  /** Whether a segment whose newest record is at `maxAt` can still hold a record of the page. */
  needs(maxAt: number): boolean {
    const last = this.#held[this.#want - 1];
    return last === undefined || maxAt >= last.at;
  }

  /** Adds a segment's hits (any order). */
  add(hits: Hit[]): void {
    if (hits.length === 0) return;
    hits.sort(newestFirst);
    const held = this.#held;
    const merged: Hit[] = [];
    let i = 0;
    let j = 0;
    while (merged.length < this.#want && (i < held.length || j < hits.length)) {
      const a = held[i];
      const b = hits[j];
      if (b === undefined || (a !== undefined && newestFirst(a, b) < 0)) {
        merged.push(a as Hit);
        i++;
      } else {
        merged.push(b);
        j++;
      }
    }
    this.#held = merged;
  }

  /** The page's hits (at most `limit`) and whether more matched. */
  page(): { hits: Hit[]; more: boolean } {
    return { hits: this.#held.slice(0, this.limit), more: this.#held.length > this.limit };
  }
}

/** A hit as the port returns it, its label joined (JSON parsed here; null/null when it has none). */
export function toLogged(h: Hit): LoggedPrediction {
  const r = h.record;
  return {
    id: r[F.id],
    at: r[F.at],
    model: h.model,
    version: h.version,
    route: r[F.route],
    rows: r[F.rows],
    inputs: r[F.inputs],
    outputs: r[F.outputs],
    latencyMs: r[F.latencyMs],
    status: r[F.status],
    error: r[F.error],
    flags: r[F.flags],
    label: h.label === undefined ? null : (JSON.parse(h.label.label) as unknown),
    labelAt: h.label === undefined ? null : h.label.at,
  };
}
