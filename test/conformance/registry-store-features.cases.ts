import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WithStore } from './registry-fixtures.js';
import { minimalVersion, sampleFeatures, sampleProfile } from './registry-fixtures.js';

const me = { actor: 'alice' };

/** Named features and training profiles: stored with their version, read back exactly, the profile on its own. */
export function featureCases(withStore: WithStore): void {
  test('features and a profile are stored with the version; versions say hasProfile, getProfile reads it', () =>
    withStore(async (store) => {
      const features = sampleFeatures();
      const profile = sampleProfile();
      const created = await store.createVersion({ ...minimalVersion('iris'), features, profile }, me);
      assert.deepEqual(created.features, features);
      assert.equal(created.hasProfile, true);
      assert.deepEqual(await store.getVersion('iris', 1), created);
      assert.deepEqual(await store.listVersions('iris'), [created]);
      assert.deepEqual(await store.getProfile('iris', 1), profile);

      const featuresOnly = await store.createVersion({ ...minimalVersion('iris'), features }, me);
      assert.deepEqual([featuresOnly.features, featuresOnly.hasProfile], [features, false]);
      const bare = await store.createVersion(minimalVersion('iris'), me);
      assert.deepEqual([bare.features, bare.hasProfile], [null, false]);
      assert.deepEqual(
        (await store.listVersions('iris')).map((v) => [v.version, v.features === null, v.hasProfile]),
        [
          [1, false, true],
          [2, false, false],
          [3, true, false],
        ],
      );
      assert.equal(await store.getProfile('iris', 2), null);
      assert.equal(await store.getProfile('iris', 3), null);
      assert.equal(await store.getProfile('iris', 4), null);
      assert.equal(await store.getProfile('ghost', 1), null);
    }));

  test('a tag change keeps the features and the profile', () =>
    withStore(async (store) => {
      await store.createVersion({ ...minimalVersion('iris'), features: sampleFeatures(), profile: sampleProfile() }, me);
      const tagged = await store.setVersionTags('iris', 1, { stage: 'qa' }, me);
      assert.deepEqual([tagged.features, tagged.hasProfile], [sampleFeatures(), true]);
      assert.deepEqual(await store.getVersion('iris', 1), tagged);
      assert.deepEqual(await store.getProfile('iris', 1), sampleProfile());
    }));

  test('a profile of a few MB round-trips exactly, and concurrent registrations keep each its own', () =>
    withStore(async (store) => {
      const profiles = [sampleProfile(100_000), sampleProfile(3), null, sampleProfile(7)];
      assert.ok(JSON.stringify(profiles[0]).length > 2_000_000, 'the big profile is a few MB');
      const made = await Promise.all(
        profiles.map((profile) => store.createVersion({ ...minimalVersion('burst'), features: sampleFeatures(), profile }, me)),
      );
      for (const [i, v] of made.entries()) {
        assert.equal(v.hasProfile, profiles[i] !== null);
        assert.deepEqual(await store.getProfile('burst', v.version), profiles[i]);
      }
    }));

  test('the version audit record says how many features and whether a profile came with it', () =>
    withStore(async (store) => {
      await store.createVersion({ ...minimalVersion('iris'), features: sampleFeatures(), profile: sampleProfile() }, me);
      await store.createVersion(minimalVersion('iris'), me);
      const details = (await store.listAudit({ target: 'model:iris/' })).map((r) => [r.target, r.details['features'], r.details['profile']]);
      assert.deepEqual(details, [
        ['model:iris/2', 0, false],
        ['model:iris/1', 3, true],
      ]);
    }));
}
