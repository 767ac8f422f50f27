import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WithStore } from './registry-fixtures.js';
import { minimalVersion } from './registry-fixtures.js';

/** The audit part of the RegistryStore contract: one record per mutation, newest first, filterable by target. */
export function auditCases(withStore: WithStore): void {
  test('every mutation leaves an audit record with its action, target, actor, time and reason', () =>
    withStore(async (store, clock) => {
      const times: number[] = [];
      const step = () => times.push(clock.advance(5));
      step();
      await store.createVersion(minimalVersion('iris'), { actor: 'ci', reason: 'nightly' });
      step();
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      step();
      await store.updateModel('iris', { description: 'd' }, { actor: 'ann' });
      step();
      await store.setModelTags('iris', { team: 'ml' }, { actor: 'ann' });
      step();
      await store.setVersionTags('iris', 2, { ok: 'yes' }, { actor: 'ann' });
      step();
      await store.setAlias('iris', 'production', 2, { actor: 'bob', reason: 'ship it' });
      step();
      await store.deleteAlias('iris', 'production', { actor: 'bob' });

      const audit = await store.listAudit();
      assert.deepEqual(
        audit.map((r) => [r.action, r.target, r.actor, r.at]),
        [
          ['alias.delete', 'model:iris@production', 'bob', times[6]],
          ['alias.set', 'model:iris@production', 'bob', times[5]],
          ['model_version.tags', 'model:iris/2', 'ann', times[4]],
          ['model.tags', 'model:iris', 'ann', times[3]],
          ['model.update', 'model:iris', 'ann', times[2]],
          ['model_version.create', 'model:iris/2', 'ci', times[1]],
          ['model_version.create', 'model:iris/1', 'ci', times[0]],
          ['model.create', 'model:iris', 'ci', times[0]],
        ],
      );
      const ids = audit.map((r) => r.id);
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest (highest id) first');
      assert.equal(audit[1]?.details['reason'], 'ship it');
      assert.equal(audit[1]?.details['to'], 2);
      assert.equal(audit[6]?.details['reason'], 'nightly');
      assert.equal(audit[6]?.details['version'], 1);
      assert.equal(audit[0]?.details['reason'], undefined);
    }));

  test('listAudit filters by target prefix literally (no wildcards, case-sensitive) and honours limit', () =>
    withStore(async (store) => {
      for (const name of ['iris_a', 'irisXa', 'Iris_a', 'wine']) await store.createVersion(minimalVersion(name), { actor: 'ci' });
      await store.createVersion(minimalVersion('iris_a'), { actor: 'ci' });
      await store.setAlias('iris_a', 'production', 1, { actor: 'ci' });

      const targets = async (target: string) => (await store.listAudit({ target })).map((r) => r.target);
      assert.deepEqual(await targets('model:iris_a'), [
        'model:iris_a@production',
        'model:iris_a/2',
        'model:iris_a/1',
        'model:iris_a',
      ]);
      assert.deepEqual(await targets('model:iris_a/'), ['model:iris_a/2', 'model:iris_a/1']);
      assert.deepEqual(await targets('model:iris%'), []);
      assert.deepEqual(await targets('model:nothing'), []);
      assert.equal((await store.listAudit()).length, 10); // 4 models x (model.create + version), 1 version, 1 alias
      assert.deepEqual(
        (await store.listAudit({ limit: 2 })).map((r) => r.target),
        ['model:iris_a@production', 'model:iris_a/2'],
      );
      assert.deepEqual(
        (await store.listAudit({ target: 'model:iris_a', limit: 1 })).map((r) => r.target),
        ['model:iris_a@production'],
      );
    }));
}
