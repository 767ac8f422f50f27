import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresRegistryStore } from '../../src/storage/postgres/postgres-registry-store.js';
import type { RegistryStore } from '../../src/storage/registry-store.js';
import { registryStoreSuite } from '../conformance/registry-store.suite.js';
import { minimalVersion } from '../conformance/registry-fixtures.js';
import { POSTGRES_SKIP, freshSchemas, postgresUrl } from './services.js';

const url = postgresUrl();

if (url === null) {
  test('PostgreSQL registry store', { skip: POSTGRES_SKIP }, () => undefined);
} else {
  // Every open gets its own fresh schema (so each conformance test starts empty); all are dropped at the end.
  const freshSchema = freshSchemas(url, 'mooring_test');

  registryStoreSuite('postgres', (clock) => openPostgresRegistryStore(url, { clock, schema: freshSchema() }));

  describe('PostgreSQL registry across connection pools (several processes)', () => {
    const closeAll = (stores: RegistryStore[]) => Promise.all(stores.map((s) => s.close()));

    test('four stores migrating one new schema at once all succeed', async () => {
      const schema = freshSchema();
      const stores = await Promise.all([0, 1, 2, 3].map(() => openPostgresRegistryStore(url, { schema })));
      try {
        await stores[0]?.createVersion(minimalVersion('iris'), { actor: 'a' });
        for (const store of stores) assert.equal((await store.getModel('iris'))?.latestVersion, 1);
      } finally {
        await closeAll(stores);
      }
    });

    test('three pools registering one model at once get distinct consecutive numbers', async () => {
      const schema = freshSchema();
      const stores = await Promise.all([0, 1, 2].map(() => openPostgresRegistryStore(url, { schema })));
      try {
        const made = await Promise.all(
          stores.flatMap((store) => Array.from({ length: 7 }, () => store.createVersion(minimalVersion('shared'), { actor: 'a' }))),
        );
        assert.deepEqual(made.map((v) => v.version).sort((a, b) => a - b), Array.from({ length: 21 }, (_, i) => i + 1));
        assert.equal((await stores[1]?.listAudit({ target: 'model:shared' }))?.filter((r) => r.action === 'model.create').length, 1);
      } finally {
        await closeAll(stores);
      }
    });

    test('an invalid schema name is refused as CONFIG_INVALID before connecting', async () => {
      await assert.rejects(openPostgresRegistryStore(url, { schema: 'x"; drop table y; --' }), { code: 'CONFIG_INVALID' });
    });
  });
}
