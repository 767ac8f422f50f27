import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../core/deployment/policy.js';
import type { DeploymentPolicy } from '../core/deployment/policy.js';
import { MooringError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { OnnxModelRuntime } from '../runtime/onnx/onnx-model-runtime.js';
import { MemoryArtifactStore } from '../storage/memory/memory-artifact-store.js';
import type { RegistryStore } from '../storage/registry-store.js';
import { openSqliteRegistryStore } from '../storage/sqlite/sqlite-registry-store.js';
import { linearModel } from '../../test/fixtures/models.js';
import { DeploymentService } from './deployment-service.js';
import { RegistryService } from './registry-service.js';

const by = { actor: 'ann' };

async function rejects(p: Promise<unknown>, code: ErrorCode, mentions?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof MooringError && e.code === code && (mentions === undefined || mentions.test(e.message)));
}

describe('DeploymentService', () => {
  let store: RegistryStore;
  let registry: RegistryService;
  let deployments: DeploymentService;
  const changes: string[] = [];

  before(async () => {
    store = await openSqliteRegistryStore(':memory:');
    registry = new RegistryService(store, new MemoryArtifactStore(), new OnnxModelRuntime());
    deployments = new DeploymentService(store, registry);
    deployments.onChange((name) => {
      changes.push(name);
    });
    for (const name of ['iris', 'race', 'burst']) await registry.register({ name, artifact: linearModel().bytes }, by);
  });
  after(async () => {
    await store.close();
  });

  test('show answers revision 0 with the defaults until a policy is set', async () => {
    const model = await registry.model('iris');
    assert.deepEqual(await deployments.show('iris'), {
      name: 'iris',
      revision: 0,
      policy: DEFAULT_POLICY,
      actor: 'mooring',
      reason: null,
      at: model.createdAt,
    });
    assert.deepEqual(await deployments.history('iris'), []);
  });

  test('set merges, records a revision and notifies; the same patch again writes nothing and stays quiet', async () => {
    changes.length = 0;
    const first = await deployments.set('iris', { validation: { anomalies: 'reject' } }, { actor: 'ann', reason: 'launch' });
    assert.equal(first.changed, true);
    assert.deepEqual([first.deployment.revision, first.deployment.actor, first.deployment.reason], [1, 'ann', 'launch']);
    assert.equal(first.deployment.policy.validation.anomalies, 'reject');
    assert.deepEqual(changes, ['iris']);

    const auditBefore = (await store.listAudit()).length;
    const revisionBefore = await store.revision();
    const again = await deployments.set('iris', { validation: { anomalies: 'reject' } }, by);
    assert.deepEqual(again, { deployment: first.deployment, changed: false });
    assert.equal(await store.revision(), revisionBefore);
    assert.equal((await store.listAudit()).length, auditBefore);
    assert.deepEqual(changes, ['iris'], 'no notification without a change');

    const second = await deployments.set('iris', { validation: { maxRows: 7 } }, by);
    assert.equal(second.deployment.revision, 2);
    assert.deepEqual(second.deployment.policy.validation, { ...DEFAULT_POLICY.validation, anomalies: 'reject', maxRows: 7 });
    assert.deepEqual(await deployments.show('iris'), second.deployment);
    assert.deepEqual((await deployments.history('iris')).map((r) => r.revision), [1, 2]);
  });

  test('refuses invalid patches and unknown models, writing nothing', async () => {
    const before = await deployments.history('iris');
    await rejects(deployments.set('iris', { validation: { rangeTolerance: 5000 } }, by), 'INVALID_REQUEST', /validation\.range_tolerance/);
    await rejects(deployments.set('iris', { validation: { maxRows: 0 } }, by), 'INVALID_REQUEST', /validation\.max_rows/);
    await rejects(deployments.set('ghost', { validation: { maxRows: 3 } }, by), 'MODEL_NOT_FOUND');
    await rejects(deployments.show('ghost'), 'MODEL_NOT_FOUND');
    await rejects(deployments.history('ghost'), 'MODEL_NOT_FOUND');
    await rejects(deployments.show('../x'), 'INVALID_NAME');
    assert.deepEqual(await deployments.history('iris'), before);
  });

  test('a patch based on a revision another writer replaced is merged again, not written over it', async () => {
    // A store whose first compare-and-set loses a race: another writer sets maxRows just before it.
    let raced = false;
    const racing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'setDeploymentPolicy') {
          const value = Reflect.get(target, prop, receiver) as unknown;
          // The store keeps its state in #private fields, so its methods must run on the store itself.
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return async (name: string, policy: DeploymentPolicy, actor: { actor: string }, ifRevision?: number) => {
          if (!raced) {
            raced = true;
            const latest = await target.getDeployment(name);
            const base = latest?.policy ?? DEFAULT_POLICY;
            const other = { ...base, validation: { ...base.validation, maxRows: 42 } };
            await target.setDeploymentPolicy(name, other, { actor: 'other' });
          }
          return ifRevision === undefined ? target.setDeploymentPolicy(name, policy, actor) : target.setDeploymentPolicy(name, policy, actor, ifRevision);
        };
      },
    });
    const service = new DeploymentService(racing, registry);
    const result = await service.set('race', { validation: { anomalies: 'off' } }, by);
    assert.deepEqual([result.changed, result.deployment.revision], [true, 2]);
    assert.equal(result.deployment.policy.validation.maxRows, 42, 'the concurrent change survives');
    assert.equal(result.deployment.policy.validation.anomalies, 'off');
  });

  test('concurrent patches of different fields all land', async () => {
    await Promise.all([
      deployments.set('burst', { validation: { anomalies: 'reject' } }, by),
      deployments.set('burst', { validation: { maxRows: 3 } }, by),
      deployments.set('burst', { validation: { rangeTolerance: 0.4 } }, by),
      deployments.set('burst', { validation: { schema: 'fallback' } }, by),
    ]);
    const shown = await deployments.show('burst');
    assert.deepEqual(shown.policy.validation, { ...DEFAULT_POLICY.validation, anomalies: 'reject', maxRows: 3, rangeTolerance: 0.4, schema: 'fallback' });
    assert.equal(shown.revision, 4);
  });
});
