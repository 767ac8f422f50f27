import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MooringError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { LoadedModel, ModelRuntime } from '../runtime/model-runtime.js';
import { OnnxModelRuntime } from '../runtime/onnx/onnx-model-runtime.js';
import { MemoryArtifactStore } from '../storage/memory/memory-artifact-store.js';
import type { RegistryStore } from '../storage/registry-store.js';
import { openSqliteRegistryStore } from '../storage/sqlite/sqlite-registry-store.js';
import { garbageBytes, linearModel, linearModelV2, mlpModel } from '../../test/fixtures/models.js';
import { Dataplane } from './dataplane.js';
import { RegistryService } from './registry-service.js';
import { ServingPool } from './serving-pool.js';

const by = { actor: 'test' };

async function rejects(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof MooringError && e.code === code);
}

/** A runtime whose `load` fails for chosen artifacts: the "version that fails to load" of the issue. */
class FlakyRuntime implements ModelRuntime {
  readonly platform = 'onnx_onnxv1';
  readonly failFor = new Set<number>();
  private readonly inner = new OnnxModelRuntime();
  inspect(bytes: Uint8Array) {
    return this.inner.inspect(bytes);
  }
  async load(bytes: Uint8Array): Promise<LoadedModel> {
    if (this.failFor.has(bytes.length)) throw new Error('simulated load failure');
    return this.inner.load(bytes);
  }
}

describe('RegistryService with a serving pool', () => {
  let store: RegistryStore;
  let runtime: FlakyRuntime;
  let registry: RegistryService;
  let pool: ServingPool;
  let dataplane: Dataplane;

  before(async () => {
    store = await openSqliteRegistryStore(':memory:');
    runtime = new FlakyRuntime();
    const artifacts = new MemoryArtifactStore();
    registry = new RegistryService(store, artifacts, runtime);
    pool = new ServingPool({
      store,
      artifacts,
      runtime,
      clock: () => Date.now(),
      logger: pino({ level: 'silent' }),
      unloadGraceMs: 0,
      syncIntervalMs: 0,
      resolve: (ref) => registry.resolve(ref),
      maxStringLength: 65_536,
    });
    registry.setProductionGate(pool);
    dataplane = new Dataplane(pool, () => Date.now());
  });
  after(async () => {
    await pool.stop();
    await store.close();
  });

  const answer = async (name: string): Promise<string> => {
    const t = await dataplane.target(name);
    return t.label;
  };

  test('register reads the signature from the artifact and refuses garbage', async () => {
    const v = await registry.register({ name: 'lin', artifact: linearModel().bytes, metrics: { rmse: 0.1 } }, by);
    assert.equal(v.version, 1);
    assert.deepEqual(v.signature.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]);
    await rejects(registry.register({ name: 'lin', artifact: garbageBytes() }, by), 'INVALID_MODEL');
    assert.equal((await store.listVersions('lin')).length, 1, 'a refused artifact registers nothing');
  });

  test('register validates names, aliases and metrics before storing anything', async () => {
    await rejects(registry.register({ name: '../x', artifact: linearModel().bytes }, by), 'INVALID_NAME');
    await rejects(registry.register({ name: 'ok', artifact: linearModel().bytes, alias: 'latest' }, by), 'INVALID_ALIAS');
    await rejects(registry.register({ name: 'ok', artifact: linearModel().bytes, metrics: { auc: Number.NaN } }, by), 'INVALID_REQUEST');
    assert.equal(await store.getModel('ok'), null);
  });

  test('deploy loads before the alias moves, and traffic follows', async () => {
    await registry.register({ name: 'lin', artifact: linearModelV2().bytes }, by);
    await registry.deploy('lin', 1, by);
    assert.equal(await answer('lin'), '1');
    await registry.deploy('lin', 2, by);
    assert.equal(await answer('lin'), '2', 'deploy returns with the new version answering');
  });

  test('rollback toggles like kubectl rollout undo and is recorded', async () => {
    const back = await registry.rollback('lin', by);
    assert.deepEqual([back.fromVersion, back.toVersion], [2, 1]);
    assert.match(back.reason ?? '', /rollback/);
    assert.equal(await answer('lin'), '1');
    const again = await registry.rollback('lin', by);
    assert.deepEqual([again.fromVersion, again.toVersion], [1, 2]);
    assert.equal(await answer('lin'), '2');
  });

  test('re-deploying the version already in production is not a move rollback undoes', async () => {
    await registry.deploy('lin', 2, by);
    const back = await registry.rollback('lin', by);
    assert.equal(back.toVersion, 1);
    await registry.deploy('lin', 2, by);
  });

  test('nothing to roll back on a model deployed once', async () => {
    await registry.register({ name: 'once', artifact: mlpModel().bytes, alias: 'production' }, by);
    await rejects(registry.rollback('once', by), 'NOTHING_TO_ROLL_BACK');
  });

  test('a version that fails to load leaves the alias and the serving version in place', async () => {
    const bad = mlpModel(99).bytes;
    runtime.failFor.add(bad.length);
    const v = await registry.register({ name: 'once', artifact: bad }, by);
    await rejects(registry.deploy('once', v.version, by), 'MODEL_LOAD_FAILED');
    assert.equal((await store.getModel('once'))?.aliases.production, 1);
    assert.equal(await answer('once'), '1');
    const status = pool.status().find((s) => s.name === 'once');
    assert.match(status?.lastError ?? '', /MODEL_LOAD_FAILED/);
    runtime.failFor.clear();
  });

  test('resolve understands production, aliases, latest, v<N> and /N', async () => {
    await registry.setAlias('lin', 'canary', 1, by);
    assert.equal((await registry.resolve('lin')).version, 2);
    assert.equal((await registry.resolve('lin@canary')).version, 1);
    assert.equal((await registry.resolve('lin@latest')).version, 2);
    assert.equal((await registry.resolve('lin@v1')).version, 1);
    assert.equal((await registry.resolve('lin/2')).version, 2);
    await rejects(registry.resolve('lin@nope'), 'ALIAS_NOT_FOUND');
    await rejects(registry.resolve('lin/9'), 'VERSION_NOT_FOUND');
    await rejects(registry.resolve('ghost'), 'MODEL_NOT_FOUND');
  });

  test('setAlias to production goes through the gate like deploy', async () => {
    const event = await registry.setAlias('lin', 'production', 1, by);
    assert.equal(event.toVersion, 1);
    assert.equal(await answer('lin'), '1');
  });

  test('deleting production makes the model not ready, without touching other aliases', async () => {
    await registry.deleteAlias('lin', 'production', by);
    await pool.sync();
    await rejects(Promise.resolve().then(() => dataplane.target('lin')), 'MODEL_NOT_READY');
    assert.equal((await registry.resolve('lin@canary')).version, 1);
    await registry.deploy('lin', 2, by);
  });

  test('idle versions no alias points to are unloaded; production, its predecessor and aliases stay', async () => {
    // Load version 1 explicitly, then point nothing at it except being the previous production.
    await registry.setAlias('lin', 'canary', 2, by);
    await pool.sync();
    await pool.sweep();
    const loaded = pool.status().find((s) => s.name === 'lin')?.loaded;
    assert.ok(loaded?.includes(2), 'production stays loaded');
    assert.ok(loaded?.includes(1), 'the previous production version stays loaded as the rollback target');
  });
});
