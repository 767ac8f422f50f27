import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY, DeploymentPolicySchema } from '../../src/core/deployment/policy.js';
import type { DeploymentPolicy } from '../../src/core/deployment/policy.js';
import type { WithStore } from './registry-fixtures.js';
import { minimalVersion, rejectsWith, snapshot } from './registry-fixtures.js';

const policy = (validation: Partial<DeploymentPolicy['validation']>): DeploymentPolicy => DeploymentPolicySchema.parse({ validation });

/** Deployment policy revisions: numbered per model, append-only, audited, compare-and-set, defaults on read. */
export function deploymentCases(withStore: WithStore): void {
  test('policy revisions are numbered 1, 2, 3 per model and read back whole, latest and oldest first', () =>
    withStore(async (store, clock) => {
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      await store.createVersion(minimalVersion('wine'), { actor: 'ci' });
      assert.equal(await store.getDeployment('iris'), null);
      assert.deepEqual(await store.deploymentHistory('iris'), []);

      const t1 = clock.advance(10);
      const r1 = await store.setDeploymentPolicy('iris', policy({ anomalies: 'reject' }), { actor: 'ann', reason: 'strict' });
      assert.deepEqual(r1, {
        name: 'iris',
        revision: 1,
        policy: { ...DEFAULT_POLICY, validation: { ...DEFAULT_POLICY.validation, anomalies: 'reject' } },
        actor: 'ann',
        reason: 'strict',
        at: t1,
      });
      const t2 = clock.advance(10);
      const r2 = await store.setDeploymentPolicy('iris', policy({ maxRows: 5, rangeTolerance: 0.25 }), { actor: 'bob' });
      assert.deepEqual([r2.revision, r2.actor, r2.reason, r2.at], [2, 'bob', null, t2]);
      assert.equal(r2.policy.validation.maxRows, 5);
      const w1 = await store.setDeploymentPolicy('wine', DEFAULT_POLICY, { actor: 'ann' });
      assert.equal(w1.revision, 1, 'numbers are per model');
      const r3 = await store.setDeploymentPolicy('iris', DEFAULT_POLICY, { actor: 'ann' });
      assert.equal(r3.revision, 3);

      assert.deepEqual(await store.getDeployment('iris'), r3);
      assert.deepEqual(await store.deploymentHistory('iris'), [r1, r2, r3]);
      assert.deepEqual(await store.deploymentHistory('wine'), [w1]);
      assert.equal(await store.getDeployment('ghost'), null);
    }));

  test('setting a policy on a missing model throws MODEL_NOT_FOUND and writes nothing', () =>
    withStore(async (store) => {
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      const before = await snapshot(store, 'ghost');
      await rejectsWith(store.setDeploymentPolicy('ghost', DEFAULT_POLICY, { actor: 'a' }), 'MODEL_NOT_FOUND');
      assert.deepEqual(await snapshot(store, 'ghost'), before);
      assert.equal(await store.getModel('ghost'), null);
    }));

  test('each revision leaves audit deployment.set with the revision, the policy and the reason, and grows revision()', () =>
    withStore(async (store) => {
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      const before = await store.revision();
      await store.setDeploymentPolicy('iris', policy({ schema: 'fallback' }), { actor: 'ann', reason: 'keep serving' });
      const after = await store.revision();
      assert.ok(after > before);
      const [record] = await store.listAudit({ limit: 1 });
      assert.equal(record?.action, 'deployment.set');
      assert.equal(record?.target, 'model:iris');
      assert.equal(record?.actor, 'ann');
      assert.deepEqual(record?.details, { revision: 1, policy: policy({ schema: 'fallback' }), reason: 'keep serving' });
      await store.getDeployment('iris');
      await store.deploymentHistory('iris');
      assert.equal(await store.revision(), after, 'reads do not move it');
    }));

  test('20 concurrent sets get 20 distinct consecutive revisions', () =>
    withStore(async (store) => {
      await store.createVersion(minimalVersion('burst'), { actor: 'ci' });
      const made = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.setDeploymentPolicy('burst', policy({ maxRows: i + 1 }), { actor: 'a' })),
      );
      assert.deepEqual(made.map((r) => r.revision).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
      const history = await store.deploymentHistory('burst');
      assert.deepEqual(history.map((r) => r.revision), Array.from({ length: 20 }, (_, i) => i + 1));
      for (const r of made) assert.deepEqual(history[r.revision - 1], r);
    }));

  test('with ifRevision it is a compare-and-set: a stale revision writes nothing and answers null', () =>
    withStore(async (store) => {
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      assert.equal(await store.setDeploymentPolicy('iris', DEFAULT_POLICY, { actor: 'a' }, 1), null, 'nothing set yet: 0 is current');
      const r1 = await store.setDeploymentPolicy('iris', policy({ maxRows: 7 }), { actor: 'a' }, 0);
      assert.equal(r1?.revision, 1);
      const before = await snapshot(store, 'iris');
      assert.equal(await store.setDeploymentPolicy('iris', policy({ maxRows: 8 }), { actor: 'b' }, 0), null);
      assert.deepEqual(await snapshot(store, 'iris'), before);
      const r2 = await store.setDeploymentPolicy('iris', policy({ maxRows: 9 }), { actor: 'b' }, 1);
      assert.equal(r2?.revision, 2);
      const racing = await Promise.all([1, 2, 3, 4, 5].map((n) => store.setDeploymentPolicy('iris', policy({ maxRows: n }), { actor: 'c' }, 2)));
      assert.equal(racing.filter((r) => r !== null).length, 1, 'exactly one of five writers based on revision 2 wins');
      assert.equal((await store.getDeployment('iris'))?.revision, 3);
    }));

  test('a stored policy is parsed again on read, so fields it lacks get their defaults', () =>
    withStore(async (store) => {
      await store.createVersion(minimalVersion('iris'), { actor: 'ci' });
      // What an older Mooring would have stored: only the fields it knew.
      const older = { validation: { anomalies: 'reject' } } as unknown as DeploymentPolicy;
      const r1 = await store.setDeploymentPolicy('iris', older, { actor: 'a' });
      const expected = { ...DEFAULT_POLICY, validation: { ...DEFAULT_POLICY.validation, anomalies: 'reject' } };
      assert.deepEqual(r1.policy, expected);
      assert.deepEqual((await store.getDeployment('iris'))?.policy, expected);
      assert.deepEqual((await store.deploymentHistory('iris'))[0]?.policy, expected);
    }));
}
