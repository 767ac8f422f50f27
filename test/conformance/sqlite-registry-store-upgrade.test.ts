import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Kysely, Migrator } from 'kysely';
import { DEFAULT_POLICY } from '../../src/core/deployment/policy.js';
import { registryMigrations } from '../../src/storage/sql/migrations.js';
import { ImmediateSqliteDialect } from '../../src/storage/sqlite/immediate-sqlite-dialect.js';
import { openSqliteRegistryStore } from '../../src/storage/sqlite/sqlite-registry-store.js';
import { minimalVersion, sampleFeatures, sampleProfile } from './registry-fixtures.js';

// Migrations are append-only: a registry written before 0002 (features, profiles, deployment revisions) opens
// with its versions intact, reading as "no features, no profile, default policy", and takes the new data at once.

const dir = mkdtempSync(join(tmpdir(), 'mooring-sqlite-upgrade-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a registry at migration 0001 is upgraded in place and keeps its versions', async () => {
  const path = join(dir, 'old.db');
  // Kysely<any>: this writes the schema as it was at 0001, which today's RegistryDatabase type no longer describes.
  const old = new Kysely<any>({ dialect: new ImmediateSqliteDialect({ database: new Database(path) }) });
  const migrator = new Migrator({ db: old, provider: registryMigrations({ lockRows: false, generatedIds: 'autoincrement' }) });
  const { error } = await migrator.migrateTo('0001_initial_registry');
  assert.equal(error, undefined);
  const v = minimalVersion('iris');
  await old.insertInto('models').values({ name: 'iris', description: null, tags: '{}', created_at: 1, updated_at: 1, latest_version: 1 }).execute();
  await old
    .insertInto('model_versions')
    .values({
      name: 'iris',
      version: 1,
      artifact_sha256: v.artifact.sha256,
      artifact_size: v.artifact.sizeBytes,
      artifact_format: 'onnx',
      signature: JSON.stringify(v.signature),
      metrics: '{}',
      params: '{}',
      tags: '{}',
      created_at: 1,
      created_by: 'old',
    })
    .execute();
  await old.destroy();

  const store = await openSqliteRegistryStore(path);
  try {
    const v1 = await store.getVersion('iris', 1);
    assert.deepEqual([v1?.createdBy, v1?.features, v1?.hasProfile], ['old', null, false]);
    assert.equal(await store.getProfile('iris', 1), null);
    assert.equal(await store.getDeployment('iris'), null);
    const v2 = await store.createVersion({ ...minimalVersion('iris'), features: sampleFeatures(), profile: sampleProfile() }, { actor: 'new' });
    assert.deepEqual([v2.version, v2.hasProfile], [2, true]);
    assert.equal((await store.setDeploymentPolicy('iris', DEFAULT_POLICY, { actor: 'new' })).revision, 1);
  } finally {
    await store.close();
  }
});
