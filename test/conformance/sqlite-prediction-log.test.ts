import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SQLITE_CAPABILITIES, openSqliteKysely } from '../../src/storage/sqlite/sqlite-connection.js';
import { openSqlitePredictionLog } from '../../src/storage/sqlite/sqlite-prediction-log.js';
import type { PredictionLogDatabase } from '../../src/storage/sql/prediction-log-schema.js';
import { openSqliteRegistryStore } from '../../src/storage/sqlite/sqlite-registry-store.js';
import { predictionLogSuite } from './prediction-log.suite.js';
import { rec } from './prediction-log-fixtures.js';
import { checkMigrationFromV1 } from './prediction-log-migration.js';
import { minimalVersion } from './registry-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mooring-sqlite-prediction-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

predictionLogSuite('sqlite file', () => openSqlitePredictionLog(join(dir, `nested/predictions-${n++}.db`)));
predictionLogSuite('sqlite :memory:', () => openSqlitePredictionLog(':memory:'));

describe('SQLite prediction log on disk', () => {
  test('survives reopening, and shares a file with the registry (each with its own migrations)', async () => {
    const path = join(dir, 'shared.db');
    const registry = await openSqliteRegistryStore(path);
    await registry.createVersion(minimalVersion('iris'), { actor: 'a' });
    await registry.close();
    const log = await openSqlitePredictionLog(path);
    await log.append([rec('a'), rec('b', { at: rec('a').at + 1 })]);
    await log.close();
    const again = await openSqlitePredictionLog(path);
    assert.equal(await again.count({ model: 'iris' }), 2);
    await again.close();
    const registryAgain = await openSqliteRegistryStore(path);
    assert.equal((await registryAgain.getModel('iris'))?.latestVersion, 1);
    await registryAgain.close();
  });

  test('migration 0002 moves a log written one row per prediction into segments', async () => {
    const path = join(dir, 'v1.db');
    await checkMigrationFromV1(openSqliteKysely<PredictionLogDatabase>(path), SQLITE_CAPABILITIES, () => openSqlitePredictionLog(path));
  });
});
