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
    for (const name of ['iris', 'race', 'burst', 'whole', 'race2', 'race3']) await registry.register({ name, artifact: linearModel().bytes }, by);
    await registry.register({ name: 'ruled', artifact: linearModel().bytes }, by);
  });
  after(async () => {
    await store.close();
  });

  test('refuses rules that do not fit the production version, naming the field, and writes nothing', async () => {
    const rules = (name: string, value: number[]) => ({ fallback: { chain: ['rules' as const], rules: { default: { outputs: [{ name, value }] } } } });
    // No production version yet: nothing to check against, so the rules are accepted as they are.
    assert.equal((await deployments.set('ruled', rules('nope', [1]), by)).changed, true);
    await registry.setAlias('ruled', 'production', 1, by);
    await assert.rejects(
      deployments.set('ruled', rules('nope', [2]), by),
      (e: unknown) => e instanceof MooringError && e.code === 'INVALID_REQUEST' && e.details?.['field'] === 'fallback.rules.default.outputs[0].name',
    );
    await rejects(deployments.set('ruled', rules('y', [1, 2]), by), 'INVALID_REQUEST', /fallback\.rules\.default\.outputs\[0\]\.value/);
    assert.equal((await deployments.history('ruled')).length, 1, 'a refused policy writes no revision');
    const ok = await deployments.set('ruled', rules('y', [0.5]), by);
    assert.equal(ok.changed, true);
    assert.deepEqual(ok.deployment.policy.fallback.rules?.default?.outputs, [{ name: 'y', value: [0.5] }]);
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

  /**
   * The store, except that the first compare-and-set loses a race: `other` is written (as actor `other`) just before
   * it, onto whatever the latest revision held.
   */
  function racingStore(other: (base: DeploymentPolicy) => DeploymentPolicy): RegistryStore {
    let raced = false;
    return new Proxy(store, {
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
            await target.setDeploymentPolicy(name, other(latest?.policy ?? DEFAULT_POLICY), { actor: 'other' });
          }
          return ifRevision === undefined ? target.setDeploymentPolicy(name, policy, actor) : target.setDeploymentPolicy(name, policy, actor, ifRevision);
        };
      },
    });
  }

  test('a patch based on a revision another writer replaced is merged again, not written over it', async () => {
    const service = new DeploymentService(racingStore((base) => ({ ...base, validation: { ...base.validation, maxRows: 42 } })), registry);
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

  test('replace makes the policy exactly the one given, defaults for the rest; the same again writes nothing', async () => {
    await deployments.set('whole', { validation: { maxRows: 7 }, cache: { enabled: true }, limits: { maxQueued: 3 } }, by);
    changes.length = 0;
    const auditBefore = (await store.listAudit()).length;
    const rules = { cases: [], default: { outputs: [{ name: 'y', value: 0.5 }] } };
    const replaced = await deployments.replace(
      'whole',
      { latencyBudgetMs: 250, fallback: { chain: ['previous', 'rules'], rules }, circuitBreaker: { errorRatio: 0.25 } },
      { actor: 'ann', reason: 'declared' },
    );
    assert.equal(replaced.changed, true);
    assert.deepEqual([replaced.deployment.revision, replaced.deployment.actor, replaced.deployment.reason], [2, 'ann', 'declared']);
    assert.deepEqual(replaced.deployment.policy, {
      ...DEFAULT_POLICY,
      latencyBudgetMs: 250,
      fallback: { chain: ['previous', 'rules'], cacheTtlMs: 86_400_000, rules },
      circuitBreaker: { ...DEFAULT_POLICY.circuitBreaker, errorRatio: 0.25 },
    });
    assert.equal(replaced.deployment.policy.validation.maxRows, 10_000, 'a field the policy leaves out is back to its default');
    assert.deepEqual(changes, ['whole']);
    const audit = await store.listAudit({ target: 'model:whole', limit: 1 });
    assert.equal((await store.listAudit()).length, auditBefore + 1);
    assert.deepEqual([audit[0]!.action, audit[0]!.actor, audit[0]!.details.revision], ['deployment.set', 'ann', 2]);
    assert.deepEqual(audit[0]!.details.policy, replaced.deployment.policy);

    const revisionBefore = await store.revision();
    const again = await deployments.replace('whole', { fallback: { rules, chain: ['previous', 'rules'] }, latencyBudgetMs: 250, circuitBreaker: { errorRatio: 0.25 } }, by);
    assert.deepEqual(again, { deployment: replaced.deployment, changed: false });
    assert.equal(await store.revision(), revisionBefore);
    assert.equal((await store.listAudit()).length, auditBefore + 1);
    assert.deepEqual(changes, ['whole'], 'no notification without a change');

    const empty = await deployments.replace('whole', {}, by);
    assert.deepEqual([empty.changed, empty.deployment.revision], [true, 3]);
    assert.deepEqual(empty.deployment.policy, DEFAULT_POLICY);
  });

  test('replace refuses invalid policies and unknown models, writing nothing', async () => {
    const before = await deployments.history('whole');
    await rejects(deployments.replace('whole', { fallback: { chain: ['rules'] } }, by), 'INVALID_REQUEST', /fallback\.rules/);
    await rejects(deployments.replace('whole', { fallback: { chain: ['queue'] } }, by), 'INVALID_REQUEST', /fallback\.chain/);
    await rejects(deployments.replace('whole', { limits: { maxConcurrent: 0 } }, by), 'INVALID_REQUEST', /limits\.max_concurrent/);
    await rejects(deployments.replace('ghost', {}, by), 'MODEL_NOT_FOUND');
    assert.deepEqual(await deployments.history('whole'), before);
  });

  test('a replace that loses a race still writes its policy on top, without the concurrent change', async () => {
    const service = new DeploymentService(racingStore((base) => ({ ...base, validation: { ...base.validation, maxRows: 42 } })), registry);
    const result = await service.replace('race2', { validation: { anomalies: 'off' } }, by);
    assert.deepEqual([result.changed, result.deployment.revision, result.deployment.actor], [true, 2, 'ann']);
    assert.deepEqual(result.deployment.policy, { ...DEFAULT_POLICY, validation: { ...DEFAULT_POLICY.validation, anomalies: 'off' } });
    assert.deepEqual((await deployments.history('race2')).map((r) => [r.revision, r.actor, r.policy.validation.maxRows]), [
      [1, 'other', 42],
      [2, 'ann', 10_000],
    ]);
  });

  test('a replace whose policy a concurrent writer already stored writes nothing', async () => {
    const target = { ...DEFAULT_POLICY, limits: { ...DEFAULT_POLICY.limits, maxConcurrent: 9 } };
    const service = new DeploymentService(racingStore(() => target), registry);
    const result = await service.replace('race3', { limits: { maxConcurrent: 9 } }, by);
    assert.deepEqual([result.changed, result.deployment.revision, result.deployment.actor], [false, 1, 'other']);
    assert.deepEqual((await deployments.history('race3')).map((r) => r.revision), [1]);
  });
});
