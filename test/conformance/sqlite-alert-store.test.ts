import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMooringError } from '../../src/core/errors.js';
import { openAlertStore } from '../../src/storage/backends.js';
import { openSqliteAlertStore } from '../../src/storage/sqlite/sqlite-alert-store.js';
import { openSqlitePredictionLog } from '../../src/storage/sqlite/sqlite-prediction-log.js';
import { openSqliteRegistryStore } from '../../src/storage/sqlite/sqlite-registry-store.js';
import { alertRule, alertStoreSuite } from './alert-store.suite.js';
import { minimalVersion } from './registry-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mooring-sqlite-alert-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

alertStoreSuite('sqlite file', (clock) => openSqliteAlertStore(join(dir, `nested/alerts-${n++}.db`), { clock }));
alertStoreSuite('sqlite :memory:', (clock) => openSqliteAlertStore(':memory:', { clock }));

describe('SQLite alert store on disk', () => {
  test('survives reopening, and shares a file with the registry and the log (each with its own migrations)', async () => {
    const path = join(dir, 'shared.db');
    const registry = await openSqliteRegistryStore(path);
    await registry.createVersion(minimalVersion('churn'), { actor: 'a' });
    await registry.close();
    const log = await openSqlitePredictionLog(path);
    await log.close();
    const store = await openSqliteAlertStore(path);
    await store.putRule(alertRule('errors'), { actor: 'a' });
    await store.close();
    const again = await openSqliteAlertStore(path);
    assert.deepEqual((await again.listRules()).map((r) => r.rule), [alertRule('errors')]);
    await again.close();
    const registryAgain = await openSqliteRegistryStore(path);
    assert.equal((await registryAgain.getModel('churn'))?.latestVersion, 1);
    await registryAgain.close();
  });

  test('is chosen by URL like the other stores (sqlite:///, sqlite::memory:, memory:)', async () => {
    const fileUrl = pathToFileURL(join(dir, 'by-url.db')).href.replace(/^file:/, 'sqlite:');
    for (const url of [fileUrl, 'sqlite::memory:', 'memory:']) {
      const store = await openAlertStore(url);
      try {
        assert.equal((await store.putRule(alertRule('x'), { actor: 'a' })).change, 'create', url);
      } finally {
        await store.close();
      }
    }
    await assert.rejects(openAlertStore('mysql://root:hunter2@db/x'), (e: unknown) => {
      assert.ok(isMooringError(e));
      assert.equal(e.code, 'CONFIG_INVALID');
      assert.match(e.message, /unknown alert store URL scheme mysql:/);
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
  });
});
