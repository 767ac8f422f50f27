import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/core/clock.js';
import type { NewModelVersion } from '../../src/core/registry/types.js';
import type { RegistryStore } from '../../src/storage/registry-store.js';
import { aliasCases } from './registry-store-alias.cases.js';
import { auditCases } from './registry-store-audit.cases.js';
import { deploymentCases } from './registry-store-deployment.cases.js';
import { featureCases } from './registry-store-features.cases.js';
import { minimalVersion, rejectsWith, snapshot, withStoreFrom } from './registry-fixtures.js';

const me = { actor: 'alice' };

/**
 * The RegistryStore contract (src/storage/registry-store.ts) as tests. Every backend runs this one suite through a
 * one-line runner: `registryStoreSuite('sqlite :memory:', (clock) => openSqliteRegistryStore(':memory:', { clock }))`.
 * `open` must return a store with an empty registry each time it is called.
 */
export function registryStoreSuite(label: string, open: (clock: Clock) => Promise<RegistryStore>): void {
  const withStore = withStoreFrom(open);

  describe(`RegistryStore conformance: ${label}`, () => {
    test('numbers versions 1, 2, 3 per model, independently across models', () =>
      withStore(async (store) => {
        const a = [];
        for (let i = 0; i < 3; i++) a.push((await store.createVersion(minimalVersion('iris'), me)).version);
        const b = (await store.createVersion(minimalVersion('wine'), me)).version;
        a.push((await store.createVersion(minimalVersion('iris'), me)).version);
        assert.deepEqual(a, [1, 2, 3, 4]);
        assert.equal(b, 1);
        assert.equal((await store.getModel('iris'))?.latestVersion, 4);
        assert.equal((await store.getModel('wine'))?.latestVersion, 1);
        assert.deepEqual((await store.listVersions('iris')).map((v) => v.version), [1, 2, 3, 4]);
      }));

    test('20 concurrent createVersion calls get 20 distinct consecutive numbers, and the model is created once', () =>
      withStore(async (store) => {
        const made = await Promise.all(Array.from({ length: 20 }, () => store.createVersion(minimalVersion('burst'), me)));
        assert.deepEqual(made.map((v) => v.version).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
        assert.equal((await store.getModel('burst'))?.latestVersion, 20);
        assert.equal((await store.listAudit({ target: 'model:burst' })).filter((r) => r.action === 'model.create').length, 1);
        const mixed = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.createVersion(minimalVersion(i % 2 === 0 ? 'even' : 'odd'), me)),
        );
        for (const name of ['even', 'odd']) {
          const got = mixed.filter((v) => v.name === name).map((v) => v.version).sort((x, y) => x - y);
          assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], name);
        }
      }));

    test('a version round-trips every field exactly', () =>
      withStore(async (store, clock) => {
        const input: NewModelVersion = {
          ...minimalVersion('iris', '0123456789abcdef'.repeat(4)),
          artifact: { sha256: '0123456789abcdef'.repeat(4), sizeBytes: 5_000_000_123, format: 'onnx' },
          signature: {
            inputs: [
              { name: 'petal', datatype: 'FP32', shape: [-1, 4] },
              { name: 'ids', datatype: 'INT64', shape: [] },
            ],
            outputs: [{ name: 'label', datatype: 'BYTES', shape: [-1, 1] }],
          },
          metrics: { accuracy: 0.9666666666666667, loss: -1.5e-7, f1: 1 },
          params: { max_depth: '5', 'quote"d': 'ünïcødé ✓', empty: '' },
          tags: { team: 'ml', 'stage:x/y': 'a b' },
          datasetVersion: 'iris@2024-01-01',
          trainedAt: Date.UTC(2023, 11, 31, 23, 59, 59, 999),
          description: 'line one\nline two',
          source: 'git:abc123',
        };
        const created = await store.createVersion(input, { actor: 'bob', reason: 'first' });
        const { name, artifact, signature, metrics, params, tags, datasetVersion, trainedAt, description, source } = input;
        const expected = { name, artifact, signature, metrics, params, tags, datasetVersion, trainedAt, description, source };
        assert.deepEqual(created, { ...expected, version: 1, createdAt: clock.now, createdBy: 'bob', features: null, hasProfile: false });
        assert.deepEqual(await store.getVersion('iris', 1), created);
        assert.deepEqual(await store.listVersions('iris'), [created]);

        const bare = await store.createVersion(minimalVersion('iris'), me);
        assert.deepEqual(
          {
            metrics: bare.metrics,
            params: bare.params,
            tags: bare.tags,
            datasetVersion: bare.datasetVersion,
            trainedAt: bare.trainedAt,
            description: bare.description,
            source: bare.source,
            features: bare.features,
            hasProfile: bare.hasProfile,
          },
          {
            metrics: {},
            params: {},
            tags: {},
            datasetVersion: null,
            trainedAt: null,
            description: null,
            source: null,
            features: null,
            hasProfile: false,
          },
        );
        assert.deepEqual(await store.getVersion('iris', 2), bare);
      }));

    test('reads return null or [] for what does not exist', () =>
      withStore(async (store) => {
        assert.equal(await store.getModel('nope'), null);
        assert.equal(await store.getVersion('nope', 1), null);
        assert.deepEqual(await store.listVersions('nope'), []);
        assert.deepEqual(await store.aliasHistory('nope'), []);
        assert.equal(await store.aliasAt('nope', 'production', Number.MAX_SAFE_INTEGER), null);
        assert.deepEqual(await store.listModels(), []);
        await store.createVersion(minimalVersion('iris'), me);
        assert.equal(await store.getVersion('iris', 2), null);
      }));

    test('a model records its times, and updateModel sets and clears the description', () =>
      withStore(async (store, clock) => {
        const t0 = clock.now;
        await store.createVersion(minimalVersion('iris'), me);
        assert.deepEqual(await store.getModel('iris'), {
          name: 'iris',
          description: null,
          tags: {},
          createdAt: t0,
          updatedAt: t0,
          latestVersion: 1,
          aliases: {},
        });
        const t1 = clock.advance(1000);
        const updated = await store.updateModel('iris', { description: 'Iris classifier' }, me);
        assert.equal(updated.description, 'Iris classifier');
        assert.equal(updated.createdAt, t0);
        assert.equal(updated.updatedAt, t1);
        assert.deepEqual(await store.getModel('iris'), updated);
        assert.equal((await store.updateModel('iris', {}, me)).description, 'Iris classifier');
        assert.equal((await store.updateModel('iris', { description: null }, me)).description, null);
      }));

    test('model tags are set, overwritten and removed', () =>
      withStore(async (store) => {
        await store.createVersion(minimalVersion('iris'), me);
        assert.deepEqual((await store.setModelTags('iris', { team: 'ml', owner: 'ann' }, me)).tags, { team: 'ml', owner: 'ann' });
        const after = await store.setModelTags('iris', { team: 'data', owner: null, absent: null }, me);
        assert.deepEqual(after.tags, { team: 'data' });
        assert.deepEqual((await store.getModel('iris'))?.tags, { team: 'data' });
      }));

    test('version tags are set and removed on one version only', () =>
      withStore(async (store) => {
        await store.createVersion({ ...minimalVersion('iris'), tags: { keep: 'yes', drop: 'x' } }, me);
        await store.createVersion(minimalVersion('iris'), me);
        const v1 = await store.setVersionTags('iris', 1, { drop: null, added: 'new' }, me);
        assert.deepEqual(v1.tags, { keep: 'yes', added: 'new' });
        assert.deepEqual(await store.getVersion('iris', 1), v1);
        assert.deepEqual((await store.getVersion('iris', 2))?.tags, {});
        const before = await snapshot(store, 'iris');
        await rejectsWith(store.setVersionTags('iris', 3, { a: 'b' }, me), 'VERSION_NOT_FOUND');
        assert.deepEqual(await snapshot(store, 'iris'), before);
      }));

    test('mutations of a missing model throw MODEL_NOT_FOUND and write nothing', () =>
      withStore(async (store) => {
        await store.createVersion(minimalVersion('iris'), me);
        const before = await snapshot(store, 'ghost');
        await rejectsWith(store.updateModel('ghost', { description: 'x' }, me), 'MODEL_NOT_FOUND');
        await rejectsWith(store.setModelTags('ghost', { a: 'b' }, me), 'MODEL_NOT_FOUND');
        await rejectsWith(store.setVersionTags('ghost', 1, { a: 'b' }, me), 'MODEL_NOT_FOUND');
        await rejectsWith(store.setAlias('ghost', 'production', 1, me), 'MODEL_NOT_FOUND');
        await rejectsWith(store.deleteAlias('ghost', 'production', me), 'MODEL_NOT_FOUND');
        assert.deepEqual(await snapshot(store, 'ghost'), before);
        assert.deepEqual((await store.listModels()).map((m) => m.name), ['iris']);
      }));

    test('revision grows on every mutation, not on reads', () =>
      withStore(async (store) => {
        let last = await store.revision();
        const grows = async (what: string, mutate: () => Promise<unknown>) => {
          await mutate();
          const now = await store.revision();
          assert.ok(now > last, `${what}: revision ${now} should exceed ${last}`);
          last = now;
        };
        await grows('createVersion (new model)', () => store.createVersion(minimalVersion('iris'), me));
        await grows('createVersion', () => store.createVersion(minimalVersion('iris'), me));
        await grows('updateModel', () => store.updateModel('iris', { description: 'd' }, me));
        await grows('setModelTags', () => store.setModelTags('iris', { a: 'b' }, me));
        await grows('setVersionTags', () => store.setVersionTags('iris', 1, { a: 'b' }, me));
        await grows('setAlias', () => store.setAlias('iris', 'production', 1, me));
        await grows('setAlias (same version)', () => store.setAlias('iris', 'production', 1, me));
        await grows('deleteAlias', () => store.deleteAlias('iris', 'production', me));
        await store.getModel('iris');
        await store.listModels();
        await store.getVersion('iris', 1);
        await store.listVersions('iris');
        await store.aliasHistory('iris');
        await store.aliasAt('iris', 'production', 0);
        await store.listAudit();
        assert.equal(await store.revision(), last);
      }));

    test('listModels lists every model by name with its aliases and latest version', () =>
      withStore(async (store) => {
        for (const name of ['wine', 'iris', 'digits']) await store.createVersion(minimalVersion(name), me);
        await store.createVersion(minimalVersion('iris'), me);
        await store.setAlias('iris', 'production', 1, me);
        await store.setAlias('iris', 'staging', 2, me);
        await store.setAlias('wine', 'production', 1, me);
        const models = await store.listModels();
        assert.deepEqual(models.map((m) => m.name), ['digits', 'iris', 'wine']);
        assert.deepEqual(
          models.map((m) => [m.latestVersion, m.aliases]),
          [
            [1, {}],
            [2, { production: 1, staging: 2 }],
            [1, { production: 1 }],
          ],
        );
        assert.deepEqual(models[1], await store.getModel('iris'));
      }));

    test('migrate is idempotent and keeps the data; close releases the store', async () => {
      await withStore(async (store) => {
        await store.createVersion(minimalVersion('iris'), me);
        await store.migrate();
        await store.migrate();
        assert.equal((await store.getModel('iris'))?.latestVersion, 1);
      });
    });

    aliasCases(withStore);
    auditCases(withStore);
    featureCases(withStore);
    deploymentCases(withStore);
  });
}
