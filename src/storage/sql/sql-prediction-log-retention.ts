import type { Kysely } from 'kysely';
import { EARLY_LABEL_MS } from '../prediction-log.js';
import { F, decodeSegment } from '../prediction-log-segment.js';
import { claimingIds, trimSegment } from '../prediction-log-retention.js';
import type { PredictionLogDatabase } from './prediction-log-schema.js';
import { idChunks, segmentsByKey } from './sql-segment-reads.js';
import type { SegmentWhere } from './sql-segment-reads.js';

/**
 * `deleteBefore` of the SQL prediction log (the contract is the port's), run inside the caller's transaction:
 * segments wholly older than `t` are deleted, a segment straddling `t` is rewritten without its old records, and
 * labels go with the ids of deleted predictions or when they waited too long for one.
 */

type Db = Kysely<PredictionLogDatabase>;

/** Collects ids whose labels are to go and deletes them a statement-sized list at a time. */
class LabelSweeper {
  #ids = new Set<string>();

  constructor(private readonly db: Db) {}

  async add(id: string): Promise<void> {
    this.#ids.add(id);
    if (this.#ids.size >= 500) await this.flush();
  }

  async flush(): Promise<void> {
    for (const chunk of idChunks(this.#ids)) await this.db.deleteFrom('prediction_log_feedback').where('id', 'in', chunk).execute();
    this.#ids = new Set();
  }
}

async function anyLabel(db: Db, before?: number): Promise<boolean> {
  const row = await db
    .selectFrom('prediction_log_feedback')
    .select('id')
    .$if(before !== undefined, (qb) => qb.where('at', '<', before!))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes what `deleteBefore(t)` deletes; resolves to the number of predictions deleted. */
export async function deleteSegmentsBefore(db: Db, t: number): Promise<number> {
  // Without labels there is nothing to match deleted ids against, so whole segments go without being decoded.
  const labels = await anyLabel(db);
  const sweeper = new LabelSweeper(db);
  let deleted = 0;
  if (labels) {
    for await (const s of segmentsByKey(db, (eb) => eb('max_at', '<', t))) {
      for (const r of decodeSegment(s.key, s.body)) await sweeper.add(r[F.id]);
    }
  }
  const whole = await db
    .selectFrom('prediction_log_segment')
    .select((eb) => eb.fn.sum<number | string | null>('count').as('n'))
    .where('max_at', '<', t)
    .executeTakeFirst();
  deleted += Number(whole?.n ?? 0);
  await db.deleteFrom('prediction_log_segment').where('max_at', '<', t).execute();

  for await (const s of segmentsByKey(db, (eb) => eb.and([eb('min_at', '<', t), eb('max_at', '>=', t)]))) {
    const { segment, removedIds } = trimSegment(s, t);
    deleted += removedIds.length;
    if (labels) for (const id of removedIds) await sweeper.add(id);
    if (segment === null) await db.deleteFrom('prediction_log_segment').where('key', '=', s.key).execute();
    else {
      const { min_at, count, errors, body } = segment;
      await db.updateTable('prediction_log_segment').set({ min_at, count, errors, body }).where('key', '=', s.key).execute();
    }
  }
  await sweeper.flush();
  if (labels && (await anyLabel(db, t))) await deleteUnclaimedLabels(db, t);
  return deleted;
}

/**
 * Deletes labels older than `t` that no prediction stored from `t` to `t + EARLY_LABEL_MS` names (older predictions
 * are gone by now). Only that window is decoded: a label is given after its request arrived, so a label older than
 * `t` can belong to a younger prediction only through clock skew between replicas.
 */
async function deleteUnclaimedLabels(db: Db, t: number): Promise<void> {
  const claimed = new Set<string>();
  const window: SegmentWhere = (eb) => eb.and([eb('max_at', '>=', t), eb('min_at', '<', t + EARLY_LABEL_MS)]);
  for await (const s of segmentsByKey(db, window)) {
    for (const chunk of idChunks(claimingIds(decodeSegment(s.key, s.body), t))) {
      const found = await db.selectFrom('prediction_log_feedback').select('id').where('at', '<', t).where('id', 'in', chunk).execute();
      for (const f of found) claimed.add(f.id);
    }
  }
  if (claimed.size === 0) {
    await db.deleteFrom('prediction_log_feedback').where('at', '<', t).execute();
    return;
  }
  // Few labels are claimed (only skewed clocks make them): walk the old ones by id and delete the rest.
  let last = '';
  for (;;) {
    const rows = await db.selectFrom('prediction_log_feedback').select('id').where('at', '<', t).where('id', '>', last).orderBy('id').limit(500).execute();
    const end = rows[rows.length - 1];
    if (end === undefined) return;
    const gone = rows.map((r) => r.id).filter((id) => !claimed.has(id));
    if (gone.length > 0) await db.deleteFrom('prediction_log_feedback').where('id', 'in', gone).execute();
    last = end.id;
  }
}
