import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MooringError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { VersionProfile } from '../core/profile/types.js';
import { OnnxModelRuntime } from '../runtime/onnx/onnx-model-runtime.js';
import { MemoryArtifactStore } from '../storage/memory/memory-artifact-store.js';
import type { RegistryStore } from '../storage/registry-store.js';
import { openSqliteRegistryStore } from '../storage/sqlite/sqlite-registry-store.js';
import { sampleFeatures, sampleProfile } from '../../test/conformance/registry-fixtures.js';
import { linearModel, linearModelV2 } from '../../test/fixtures/models.js';
import { RegistryService } from './registry-service.js';

const by = { actor: 'test' };

async function rejects(p: Promise<unknown>, code: ErrorCode, mentions: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MooringError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, mentions);
    return true;
  });
}

describe('RegistryService: named features and training profiles', () => {
  let store: RegistryStore;
  let artifacts: MemoryArtifactStore;
  let registry: RegistryService;

  before(async () => {
    store = await openSqliteRegistryStore(':memory:');
    artifacts = new MemoryArtifactStore();
    registry = new RegistryService(store, artifacts, new OnnxModelRuntime());
  });
  after(async () => {
    await store.close();
  });

  test('registers features and a profile with the version', async () => {
    const v = await registry.register({ name: 'churn', artifact: linearModel().bytes, features: sampleFeatures(), profile: sampleProfile() }, by);
    assert.deepEqual([v.features, v.hasProfile], [sampleFeatures(), true]);
    assert.deepEqual(await store.getProfile('churn', v.version), sampleProfile());
  });

  test('refuses features or a profile that do not fit, storing neither the version nor the artifact', async () => {
    const bytes = linearModelV2().bytes;
    const f = sampleFeatures();
    const p = sampleProfile();
    const columns = p.features.columns;
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['too narrow', { features: { ...f, features: f.features.slice(0, 2) } }, /pack into 2 columns but input "x" has 4/],
      ['profile alone', { profile: p }, /a training profile needs named features/],
      ['columns reordered', { features: f, profile: { ...p, features: { ...p.features, columns: [columns[1], columns[0], columns[2]] } } }, /must be the features/],
      ['column kind', { features: f, profile: { ...p, features: { ...p.features, columns: [columns[0], columns[1], { ...columns[0], name: 'city' }] } } }, /"city" is categorical but its profile column is numerical/],
      ['not finite', { features: f, profile: { ...p, rows: Number.NaN } }, /profile\.rows/],
    ];
    for (const [what, extra, mentions] of cases) {
      await rejects(registry.register({ name: 'refused', artifact: bytes, ...(extra as { profile?: VersionProfile }) }, by), 'INVALID_FEATURES', mentions);
      assert.equal(await store.getModel('refused'), null, what);
    }
    assert.equal(await artifacts.has(sha(bytes)), false, 'the artifact was not stored');
  });
});

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
