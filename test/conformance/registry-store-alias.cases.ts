import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WithStore } from './registry-fixtures.js';
import { minimalVersion, rejectsWith, snapshot } from './registry-fixtures.js';

/** The alias part of the RegistryStore contract: moves, events, history and point-in-time answers. */
export function aliasCases(withStore: WithStore): void {
  test('aliases are set, moved, re-set and deleted, each leaving an event', () =>
    withStore(async (store, clock) => {
      for (let i = 0; i < 3; i++) await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      const t1 = clock.advance(10);
      const e1 = await store.setAlias('iris', 'production', 1, { actor: 'alice', reason: 'first release' });
      assert.deepEqual({ ...e1, id: 0 }, {
        id: 0,
        name: 'iris',
        alias: 'production',
        fromVersion: null,
        toVersion: 1,
        actor: 'alice',
        at: t1,
        reason: 'first release',
      });
      assert.deepEqual((await store.getModel('iris'))?.aliases, { production: 1 });

      const t2 = clock.advance(10);
      const e2 = await store.setAlias('iris', 'production', 3, { actor: 'bob' });
      assert.deepEqual([e2.fromVersion, e2.toVersion, e2.actor, e2.at, e2.reason], [1, 3, 'bob', t2, null]);
      const e3 = await store.setAlias('iris', 'production', 3, { actor: 'bob', reason: 'again' });
      assert.deepEqual([e3.fromVersion, e3.toVersion], [3, 3], 'setting the same version is still recorded');
      const s1 = await store.setAlias('iris', 'staging', 2, { actor: 'carol' });
      assert.deepEqual((await store.getModel('iris'))?.aliases, { production: 3, staging: 2 });

      const t3 = clock.advance(10);
      const e4 = await store.deleteAlias('iris', 'production', { actor: 'dave', reason: 'incident' });
      assert.deepEqual([e4.fromVersion, e4.toVersion, e4.actor, e4.at, e4.reason], [3, null, 'dave', t3, 'incident']);
      assert.deepEqual((await store.getModel('iris'))?.aliases, { staging: 2 });

      assert.ok(e1.id < e2.id && e2.id < e3.id && e3.id < s1.id && s1.id < e4.id, 'event ids increase');
      assert.deepEqual(await store.aliasHistory('iris'), [e1, e2, e3, s1, e4]);
      assert.deepEqual(await store.aliasHistory('iris', 'production'), [e1, e2, e3, e4]);
      assert.deepEqual(await store.aliasHistory('iris', 'staging'), [s1]);
      assert.deepEqual(await store.aliasHistory('iris', 'canary'), []);
    }));

  test('aliases of different models are independent', () =>
    withStore(async (store) => {
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      await store.createVersion(minimalVersion('wine'), { actor: 'ci' });
      await store.setAlias('iris', 'production', 2, { actor: 'a' });
      await store.setAlias('wine', 'production', 1, { actor: 'a' });
      assert.deepEqual((await store.getModel('iris'))?.aliases, { production: 2 });
      assert.deepEqual((await store.getModel('wine'))?.aliases, { production: 1 });
      assert.equal((await store.aliasHistory('wine')).length, 1);
    }));

  test('aliasAt answers before, at, between and after moves, and after a delete', () =>
    withStore(async (store, clock) => {
      for (let i = 0; i < 3; i++) await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      const t1 = clock.advance(1000);
      await store.setAlias('iris', 'production', 1, { actor: 'a' });
      const t2 = clock.advance(1000);
      await store.setAlias('iris', 'production', 2, { actor: 'a' });
      const t3 = clock.advance(1000);
      await store.deleteAlias('iris', 'production', { actor: 'a' });
      const t4 = clock.advance(1000);
      await store.setAlias('iris', 'production', 3, { actor: 'a' });
      // Two moves in the same millisecond: the later one (by id) is the answer for that instant.
      const t5 = clock.advance(1000);
      await store.setAlias('iris', 'production', 1, { actor: 'a' });
      await store.setAlias('iris', 'production', 2, { actor: 'a' });

      const at = (t: number) => store.aliasAt('iris', 'production', t);
      assert.equal(await at(0), null, 'before any event');
      assert.equal(await at(t1 - 1), null, 'just before the first set');
      assert.equal(await at(t1), 1, 'at the first set (inclusive)');
      assert.equal(await at(t1 + 500), 1, 'between the first and the second');
      assert.equal(await at(t2 - 1), 1);
      assert.equal(await at(t2), 2, 'at the move');
      assert.equal(await at(t3), null, 'at the delete');
      assert.equal(await at(t3 + 999), null, 'while deleted');
      assert.equal(await at(t4), 3, 'set again after the delete');
      assert.equal(await at(t5), 2, 'same-millisecond moves: the last one wins');
      assert.equal(await at(t5 + 1_000_000), 2, 'long after');
      assert.equal(await store.aliasAt('iris', 'staging', t5), null, 'another alias');
      assert.equal(await store.aliasAt('wine', 'production', t5), null, 'another model');
    }));

  test('setAlias to a missing version throws VERSION_NOT_FOUND and writes nothing', () =>
    withStore(async (store) => {
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      await store.setAlias('iris', 'production', 1, { actor: 'a' });
      const before = await snapshot(store, 'iris');
      await rejectsWith(store.setAlias('iris', 'production', 2, { actor: 'a' }), 'VERSION_NOT_FOUND');
      await rejectsWith(store.setAlias('iris', 'staging', 99, { actor: 'a' }), 'VERSION_NOT_FOUND');
      assert.deepEqual(await snapshot(store, 'iris'), before);
    }));

  test('deleting an alias that is not set throws ALIAS_NOT_FOUND and writes nothing', () =>
    withStore(async (store) => {
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      await store.setAlias('iris', 'production', 1, { actor: 'a' });
      await store.deleteAlias('iris', 'production', { actor: 'a' });
      const before = await snapshot(store, 'iris');
      await rejectsWith(store.deleteAlias('iris', 'production', { actor: 'a' }), 'ALIAS_NOT_FOUND');
      await rejectsWith(store.deleteAlias('iris', 'never', { actor: 'a' }), 'ALIAS_NOT_FOUND');
      assert.deepEqual(await snapshot(store, 'iris'), before);
    }));
}
