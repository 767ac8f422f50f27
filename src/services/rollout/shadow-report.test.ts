import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MooringError } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import type { PredictionRecord } from '../../core/monitoring/prediction-record.js';
import { OnnxModelRuntime } from '../../runtime/onnx/onnx-model-runtime.js';
import { MemoryArtifactStore } from '../../storage/memory/memory-artifact-store.js';
import { MemoryPredictionLog } from '../../storage/memory/memory-prediction-log.js';
import type { RegistryStore } from '../../storage/registry-store.js';
import { openSqliteRegistryStore } from '../../storage/sqlite/sqlite-registry-store.js';
import { linearModel } from '../../../test/fixtures/models.js';
import { DeploymentService } from '../deployment-service.js';
import { RegistryService } from '../registry-service.js';
import { ShadowReportService } from './shadow-report.js';

const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 3_600_000;
const by = { actor: 'test' };

/** A v2 answer of the linear model (one FP32 output `y` per row). */
const v2 = (...y: number[]) => ({ model_name: 'lin', model_version: '1', outputs: [{ name: 'y', datatype: 'FP32', shape: [y.length, 1], data: y }] });
/** A records answer of the linear model. */
const records = (...y: number[]) => ({ predictions: y.map((v) => [v]) });

function rec(id: string, at: number, over: Partial<PredictionRecord>): PredictionRecord {
  return {
    id,
    at,
    model: 'lin',
    version: 1,
    route: 'production',
    rows: 1,
    inputs: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
    outputs: null,
    latencyMs: 1,
    status: 'ok',
    error: null,
    flags: [],
    ...over,
  };
}

/** A shadow run of version `version` (default 2), logged 10 ms after its primary. */
function shadow(id: string, at: number, over: Partial<PredictionRecord>, primaryVersion = 1): PredictionRecord {
  return rec(id, at + 10, { route: 'shadow', version: 2, flags: [`shadow_of:${primaryVersion}`], ...over });
}

async function rejects(p: Promise<unknown>, code: ErrorCode, mentions?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof MooringError && e.code === code && (mentions === undefined || mentions.test(e.message)));
}

describe('ShadowReportService', () => {
  let store: RegistryStore;
  let registry: RegistryService;
  let deployments: DeploymentService;
  let log: MemoryPredictionLog;
  let service: ShadowReportService;

  before(async () => {
    store = await openSqliteRegistryStore(':memory:');
    registry = new RegistryService(store, new MemoryArtifactStore(), new OnnxModelRuntime());
    deployments = new DeploymentService(store, registry);
    for (let i = 0; i < 3; i++) await registry.register({ name: 'lin', artifact: linearModel().bytes }, by);
    await registry.setAlias('lin', 'production', 1, by);
    await deployments.set('lin', { routing: { shadows: [{ version: 2, sample: 1, since: T0 }] } }, by);
    log = new MemoryPredictionLog();
    const s = (k: number) => T0 + k * 1000;
    await log.append([
      // a: both answer 2 (agree, diff 0)
      rec('a', s(1), { outputs: v2(2), latencyMs: 10 }),
      shadow('a', s(1), { outputs: v2(2), latencyMs: 5 }),
      // b: 3 against 5 (a regression: disagree, diff 2)
      rec('b', s(2), { outputs: v2(3), latencyMs: 20 }),
      shadow('b', s(2), { outputs: v2(5), latencyMs: 15 }),
      // c: the shadow failed
      rec('c', s(3), { outputs: v2(4), latencyMs: 30 }),
      shadow('c', s(3), { status: 'error', error: 'INFERENCE_FAILED', latencyMs: 100 }),
      // f: answered by the canary (version 3): 6 against 6.5
      rec('f', s(4), { route: 'canary', version: 3, outputs: v2(6), latencyMs: 40 }),
      shadow('f', s(4), { outputs: v2(6.5), latencyMs: 25 }, 3),
      // g: the canary failed, production answered 7; the shadow agrees with production
      rec('g', s(5), { route: 'canary', version: 3, status: 'error', error: 'INFERENCE_FAILED', latencyMs: 3 }),
      rec('g', s(5) + 1, { outputs: v2(7), latencyMs: 50, flags: ['canary_failed'] }),
      shadow('g', s(5) + 1, { outputs: v2(7), latencyMs: 35 }),
      // h: a records request of two rows: [1.5, 2.5] against [1.5, 3.5]
      rec('h', s(6), { rows: 2, inputs: { instances: [[1, 1, 1, 1], [2, 2, 2, 2]] }, outputs: records(1.5, 2.5), latencyMs: 60 }),
      shadow('h', s(6), { rows: 2, inputs: { instances: [[1, 1, 1, 1], [2, 2, 2, 2]] }, outputs: records(1.5, 3.5), latencyMs: 45 }),
      // e: a shadow run whose primary is missing (skipped)
      shadow('e', s(7), { outputs: v2(1), latencyMs: 1000 }),
      // before the shadow started, and another version's shadow: not in this report
      rec('old', T0 - 1000, { outputs: v2(1) }),
      shadow('old', T0 - 1000, { outputs: v2(100) }),
      shadow('a', s(1), { version: 3, outputs: v2(100) }),
    ]);
    service = new ShadowReportService({ log, registry, deployments, clock: () => NOW });
  });
  after(async () => {
    await store.close();
  });

  it('pairs shadow runs with their primary answers by id and compares them, exactly', async () => {
    const r = await service.report({ model: 'lin' });
    assert.deepEqual([r.source, r.model, r.version, r.since, r.until, r.skipped, r.truncated], ['shadow', 'lin', 2, T0, NOW + 1, 1, false]);
    assert.deepEqual(r.primaryVersions, [1, 3]);
    const c = r.comparison;
    assert.equal(c.requests, 6);
    assert.equal(c.rows, 6);
    assert.equal(c.rule, 'tolerance');
    assert.deepEqual([c.agreeing, c.agreement], [3, 0.5]);
    assert.equal(c.meanAbsDiff, 3.5 / 6);
    assert.equal(c.maxAbsDiff, 2);
    assert.deepEqual(c.errors, { primary: 0, candidate: 1 });
    assert.deepEqual(c.candidateErrorCodes, { INFERENCE_FAILED: 1 });
    // np.quantile([10, 20, 30, 40, 50, 60], [0.5, 0.99]) and np.quantile([5, 15, 25, 35, 45, 100], [0.5, 0.99])
    assert.deepEqual(c.latencyMs.primary, { p50: 35, p99: 59.5 });
    assert.deepEqual(c.latencyMs.candidate, { p50: 30, p99: 97.25000000000001 }); // numpy prints 97.25
  });

  it('takes since and until, and reads at most the bound of shadow runs (newest first)', async () => {
    const late = await service.report({ model: 'lin', version: 2, since: T0 + 4000, until: T0 + 6000 });
    assert.deepEqual([late.comparison.requests, late.primaryVersions, late.skipped], [2, [1, 3], 0]);
    const bounded = new ShadowReportService({ log, registry, deployments, clock: () => NOW, maxShadowRecords: 2, pageSize: 1 });
    const r = await bounded.report({ model: 'lin' });
    assert.equal(r.truncated, true);
    // The two newest: e (no primary) and h.
    assert.deepEqual([r.comparison.requests, r.skipped, r.comparison.rows], [1, 1, 2]);
  });

  it('finds when a stopped shadow started from the policy history', async () => {
    await deployments.set('lin', { routing: { shadows: [{ version: 3, sample: 0.5, since: T0 + 5000 }] } }, by);
    const r = await service.report({ model: 'lin', version: 2 });
    assert.equal(r.since, T0);
    assert.equal(r.comparison.requests, 6);
    const three = await service.report({ model: 'lin' });
    assert.deepEqual([three.version, three.since, three.comparison.requests], [3, T0 + 5000, 0]);
    assert.equal(three.comparison.agreement, null);
  });

  it('asks for a version when the model has no shadow or several, and refuses unknown versions', async () => {
    await deployments.set('lin', { routing: { shadows: [] } }, by);
    await rejects(service.report({ model: 'lin' }), 'INVALID_REQUEST', /no shadow running/);
    await deployments.set('lin', { routing: { shadows: [{ version: 2 }, { version: 3 }] } }, by);
    await rejects(service.report({ model: 'lin' }), 'INVALID_REQUEST', /several shadows \(versions 2, 3\)/);
    await rejects(service.report({ model: 'lin', version: 9 }), 'VERSION_NOT_FOUND');
    await rejects(service.report({ model: 'nope', version: 1 }), 'MODEL_NOT_FOUND');
    await rejects(service.report({ model: 'lin', version: 2, since: T0, until: T0 }), 'INVALID_REQUEST');
  });
});
