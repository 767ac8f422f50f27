import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { PredictionRecord } from '../../src/core/monitoring/prediction-record.js';
import type { PredictionLog } from '../../src/storage/prediction-log.js';
import { PREDICTION_LOG_MIGRATIONS, migratePredictionLog } from '../../src/storage/sql/prediction-log-migrations.js';
import type { PredictionLogDatabase } from '../../src/storage/sql/prediction-log-schema.js';
import type { SqlCapabilities } from '../../src/storage/sql/sql-capabilities.js';
import { T0, readAll, rec, withoutLabel } from './prediction-log-fixtures.js';

/**
 * Migration 0002 on a real database: a log written under 0001 (one row per prediction, a flags table) is moved into
 * segments and reads back the same. Each SQL backend's test file runs it on a Kysely it opened on an empty database.
 */

/** The 0001 records the check writes: three (model, version) groups, one larger than a segment, out of time order. */
function v1Records(): PredictionRecord[] {
  const iris = Array.from({ length: 1100 }, (_, i) =>
    rec(`iris-${i}`, {
      at: T0 + ((i * 7919) % 1100),
      status: i % 9 === 0 ? 'error' : 'ok',
      error: i % 9 === 0 ? 'INFERENCE_FAILED' : null,
      flags: i % 10 === 0 ? ['out_of_distribution', 'fallback:cache'] : [],
      inputs: { x: [i, -0.5, 'quote " and \u0000'] },
      latencyMs: i / 8,
    }),
  );
  const v2 = Array.from({ length: 100 }, (_, i) => rec(`v2-${i}`, { at: T0 + 3 * i, version: 2, route: 'canary', outputs: null }));
  const wine = [rec('wine-0', { model: 'wine', at: T0 }), rec('wine-1', { model: 'wine', at: T0 })];
  return [...iris, ...v2, ...wine];
}

/** Writes the records under the 0001 schema, as the 0001 backend did. */
async function writeV1(db: Kysely<any>, records: readonly PredictionRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 200) {
    const chunk = records.slice(i, i + 200);
    await db
      .insertInto('prediction_log')
      .values(
        chunk.map((r) => ({
          id: r.id,
          at: r.at,
          model: r.model,
          version: r.version,
          route: r.route,
          status: r.status,
          error: r.error,
          latency_ms: r.latencyMs,
          rows: r.rows,
          flags: JSON.stringify(r.flags),
          inputs: JSON.stringify(r.inputs),
          outputs: JSON.stringify(r.outputs),
        })),
      )
      .execute();
    const flags = chunk.flatMap((r) => r.flags.map((flag) => ({ id: r.id, flag })));
    if (flags.length > 0) await db.insertInto('prediction_log_flags').values(flags).execute();
  }
  await db.insertInto('prediction_log_feedback').values({ id: 'iris-3', label: '"setosa"', at: T0 + 5000 }).execute();
}

/**
 * Builds a 0001 log on `db` (empty), closes it, opens it again with `open` (which migrates to the latest) and checks
 * that every prediction, flag and label reads back as before.
 */
export async function checkMigrationFromV1(
  db: Kysely<PredictionLogDatabase>,
  caps: SqlCapabilities,
  open: () => Promise<PredictionLog>,
): Promise<void> {
  const first = { '0001_initial_prediction_log': PREDICTION_LOG_MIGRATIONS['0001_initial_prediction_log']! };
  try {
    await migratePredictionLog(db, caps, { getMigrations: async () => first });
    await writeV1(db as unknown as Kysely<any>, v1Records());
  } finally {
    await db.destroy();
  }
  const log = await open();
  try {
    const records = v1Records();
    const newestFirst = (a: PredictionRecord, b: PredictionRecord) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
    for (const [model, version] of [['iris', 1], ['iris', 2], ['wine', 1]] as const) {
      const expected = records.filter((r) => r.model === model && r.version === version).sort(newestFirst);
      const got = await readAll((q) => log.query(q), { model, version, limit: 333 });
      assert.deepEqual(got.items.map(withoutLabel), expected, `${model} v${version}`);
      assert.equal(await log.count({ model, version }), expected.length);
    }
    assert.equal(await log.count({ model: 'iris', status: 'error' }), records.filter((r) => r.model === 'iris' && r.status === 'error').length);
    assert.equal(await log.count({ model: 'iris', flag: 'fallback:cache' }), 110);
    assert.deepEqual(
      (await log.labelled({ model: 'iris' })).items.map((p) => [p.id, p.label]),
      [['iris-3', 'setosa']],
    );
    assert.equal(await log.append([rec('after')]), 1);
    // Every iris v1 record before the cut (its times are a permutation of 0..1099), all of v2, wine and `after`.
    assert.equal(await log.deleteBefore(T0 + 550), 550 + 100 + 2 + 1);
  } finally {
    await log.close();
  }
}
