import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPredictionLog } from '../../src/storage/backends.js';
import { openPostgresKysely } from '../../src/storage/postgres/postgres-connection.js';
import { openPostgresPredictionLog } from '../../src/storage/postgres/postgres-prediction-log.js';
import type { PredictionLogDatabase } from '../../src/storage/sql/prediction-log-schema.js';
import { openPostgresRegistryStore } from '../../src/storage/postgres/postgres-registry-store.js';
import { predictionLogSuite } from '../conformance/prediction-log.suite.js';
import { T0, rec } from '../conformance/prediction-log-fixtures.js';
import { checkMigrationFromV1 } from '../conformance/prediction-log-migration.js';
import { minimalVersion } from '../conformance/registry-fixtures.js';
import { POSTGRES_SKIP, freshSchemas, migrationTables, postgresUrl } from './services.js';

const url = postgresUrl();

if (url === null) {
  test('PostgreSQL prediction log', { skip: POSTGRES_SKIP }, () => undefined);
} else {
  // Every open gets its own fresh schema (so each conformance test starts empty); all are dropped at the end.
  const freshSchema = freshSchemas(url, 'mooring_test_plog');

  predictionLogSuite('postgres', () => openPostgresPredictionLog(url, { schema: freshSchema() }));

  describe('PostgreSQL prediction log beside the registry and across pools', () => {
    test('shares one schema with the registry: each keeps its own tables and migration history', async () => {
      const schema = freshSchema();
      const registry = await openPostgresRegistryStore(url, { schema });
      const log = await openPredictionLog(url, { schema });
      try {
        await registry.createVersion(minimalVersion('iris'), { actor: 'a' });
        assert.equal(await log.append([rec('a')]), 1);
        assert.equal(await log.count({ model: 'iris' }), 1);
      } finally {
        await Promise.all([registry.close(), log.close()]);
      }
      assert.deepEqual(await migrationTables(url, schema), ['kysely_migration', 'prediction_log_migration']);
    });

    test('three pools migrating one new schema and appending the same keyed batch at once store it once', async () => {
      const schema = freshSchema();
      const logs = await Promise.all([0, 1, 2].map(() => openPostgresPredictionLog(url, { schema })));
      try {
        const batch = Array.from({ length: 300 }, (_, i) => rec(`same-${i}`, { at: T0 + i }));
        const added = await Promise.all(logs.map((log) => log.append(batch, { key: 'the-batch' })));
        assert.equal(added.reduce((a, b) => a + b, 0), 300);
        assert.equal(await logs[2]?.count({ model: 'iris' }), 300);
      } finally {
        await Promise.all(logs.map((log) => log.close()));
      }
    });

    test('migration 0002 moves a log written one row per prediction into segments', async () => {
      const schema = freshSchema();
      const caps = { lockRows: true, generatedIds: 'identity', namespace: schema } as const;
      const db = await openPostgresKysely<PredictionLogDatabase>(url, schema);
      await checkMigrationFromV1(db, caps, () => openPostgresPredictionLog(url, { schema }));
    });
  });
}
