import { fail } from '../core/errors.js';
import { EARLY_LABEL_MS } from './prediction-log.js';
import { F, decodeSegment, recordTexts, segmentOf } from './prediction-log-segment.js';
import type { SegmentRow, StoredRecord } from './prediction-log-segment.js';

/**
 * The parts of `deleteBefore` every PredictionLog backend shares: cutting a segment that straddles the retention
 * time, and which ids may claim a label older than it.
 */

/** A segment without its records older than `t`: what is left (null when nothing is), and the removed ids. */
export interface TrimmedSegment {
  readonly segment: SegmentRow | null;
  readonly removedIds: readonly string[];
}

/**
 * Removes the records older than `t` from a segment. The kept records keep their exact stored text (see
 * `recordTexts`), so what a read returns does not change because retention passed by.
 */
export function trimSegment(s: SegmentRow, t: number): TrimmedSegment {
  const records = decodeSegment(s.key, s.body);
  const texts = recordTexts(s.body);
  if (texts.length !== records.length) {
    throw fail('INTERNAL', `prediction log segment ${s.key} does not split into its ${records.length} records`, { key: s.key });
  }
  const kept: string[] = [];
  const ats: number[] = [];
  const removedIds: string[] = [];
  let errors = 0;
  records.forEach((r, i) => {
    if (r[F.at] < t) {
      removedIds.push(r[F.id]);
      return;
    }
    kept.push(texts[i] as string);
    ats.push(r[F.at]);
    if (r[F.status] === 'error') errors++;
  });
  return { segment: kept.length === 0 ? null : segmentOf(s.key, s.model, s.version, kept, ats, errors), removedIds };
}

/** The ids of records that can claim a label older than `t` (see EARLY_LABEL_MS): those from `t` to the grace's end. */
export function claimingIds(records: readonly StoredRecord[], t: number): Set<string> {
  const ids = new Set<string>();
  for (const r of records) if (r[F.at] >= t && r[F.at] < t + EARLY_LABEL_MS) ids.add(r[F.id]);
  return ids;
}
