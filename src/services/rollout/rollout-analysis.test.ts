import assert from 'node:assert/strict';
import { ks2samp } from '../../core/monitoring/drift/ks.js';
import { describe, it } from 'node:test';
import type { Rollout } from '../../core/deployment/policy.js';
import type { TensorSpec } from '../../core/inference/tensor.js';
import type { PredictionRecord } from '../../core/monitoring/prediction-record.js';
import { startRollout } from '../../core/rollout/rollout-machine.js';
import type { RolloutSettings } from '../../core/rollout/rollout-machine.js';
import { MemoryPredictionLog } from '../../storage/memory/memory-prediction-log.js';
import { stubRegistryStore } from '../../../test/helpers/stub-registry-store.js';
import { AccuracyService } from '../accuracy-service.js';
import { PredictionStats } from '../prediction-stats.js';
import { RolloutAnalysis } from './rollout-analysis.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const OUTPUTS: TensorSpec[] = [
  { name: 'label', datatype: 'BOOL', shape: [-1, 1] },
  { name: 'probability', datatype: 'FP32', shape: [-1, 1] },
];

/** A churn record: the canary (v2) by default, answering `probability` with class `true`. */
function rec(id: string, at: number, over: Partial<PredictionRecord> & { p?: number } = {}): PredictionRecord {
  const { p = 0.5, ...rest } = over;
  return {
    id,
    at,
    model: 'churn',
    version: 2,
    route: 'canary',
    rows: 1,
    inputs: { instances: [[1, 2, 3, 4]] },
    outputs: { predictions: [{ label: [true], probability: [p] }] },
    latencyMs: 1,
    status: 'ok',
    error: null,
    flags: [],
    ...rest,
  };
}

const prod = { version: 1, route: 'production' } as const;
const failedCall = { status: 'error', error: 'INFERENCE_FAILED', outputs: null } as const;

/** A rollout of v2 over v1 at its second step, watched since T0 + 1 min; started at T0. */
function rollout(settings: Partial<RolloutSettings> = {}): Rollout {
  const r = startRollout(
    'churn',
    null,
    { version: 2, baselineVersion: 1, settings: { steps: [5, 25, 100], intervalMs: MIN, minRequests: 4, maxErrorRate: 0.3, maxDrift: 0.6, ...settings } },
    T0,
  ).rollout;
  return { ...r, step: 1, stepStartedAt: T0 + MIN };
}

function analysis(log: MemoryPredictionLog): RolloutAnalysis {
  const store = stubRegistryStore({ 1: OUTPUTS, 2: OUTPUTS });
  return new RolloutAnalysis({ log, stats: new PredictionStats({ log }), accuracy: new AccuracyService({ log, store }), store, pageSize: 2 });
}

/** The window [T0 + 1 min, T0 + 2 min): 4 good canary answers and one failure production then answered. */
async function window(log: MemoryPredictionLog, canaryAnswers = 4): Promise<void> {
  const w = T0 + MIN;
  const canary = [0.1, 0.2, 0.3, 0.4].slice(0, canaryAnswers).map((p, i) => rec(`c${i}`, w + i, { p, latencyMs: 1.2 }));
  await log.append([
    ...canary,
    rec('f', w + 10, { ...failedCall, latencyMs: 1.2 }),
    rec('f', w + 10, { ...prod, p: 0.5, flags: ['canary_failed'] }),
    ...[0.3, 0.4, 0.5, 0.6].map((p, i) => rec(`p${i}`, w + 20 + i, { ...prod, p })),
    // None of these is in the canary's or production's window.
    rec('before', w - 1, failedCall),
    rec('direct', w + 30, { ...failedCall, route: 'direct' }),
    rec('shadow', w + 31, { route: 'shadow', p: 0.99, latencyMs: 50 }),
    rec('v3', w + 32, { version: 3, p: 0.99 }),
    rec('at-now', T0 + 2 * MIN, { ...prod, latencyMs: 99 }),
  ]);
}

describe('RolloutAnalysis', () => {
  it('compares the canary with production over the step window: exact values of every check', async () => {
    const log = new MemoryPredictionLog();
    await window(log);
    const result = await analysis(log).analyze({ model: 'churn', rollout: rollout(), production: 1, now: T0 + 2 * MIN });
    assert.equal(result.at, T0 + 2 * MIN);
    assert.deepEqual(result.checks, [
      { name: 'requests', value: 5, baseline: 5, limit: 4, passed: true },
      { name: 'error_rate', value: 0.2, baseline: 0, limit: 0.3, passed: true },
      { name: 'latency_ratio', value: 1.2, baseline: 1, limit: 1.5, passed: true },
      // KS of [0.1, 0.2, 0.3, 0.4] against [0.3, 0.4, 0.5, 0.5, 0.6]: at 0.4, 4/4 - 2/5; baseline: the test's p-value.
      { name: 'drift', value: 0.6, baseline: ks2samp([0.1, 0.2, 0.3, 0.4], [0.3, 0.4, 0.5, 0.5, 0.6]).pvalue, limit: 0.6, passed: true },
      { name: 'accuracy', value: null, baseline: null, limit: 0.05, passed: true },
    ]);
    assert.equal(result.passed, true);
  });

  it('fails when any limit is crossed: error rate, latency ratio; drift beyond its limit only when significant', async () => {
    const log = new MemoryPredictionLog();
    await window(log);
    const a = analysis(log);
    const input = { model: 'churn', production: 1, now: T0 + 2 * MIN };
    const strict = await a.analyze({ ...input, rollout: rollout({ maxErrorRate: 0.1, maxLatencyRatio: 1.1, maxDrift: 0.5 }) });
    assert.equal(strict.passed, false);
    // KS 0.6 > 0.5, but 4 answers against 5 cannot tell the distributions apart (p = 0.29): not a shift.
    assert.deepEqual(
      strict.checks.map((c) => [c.name, c.passed]),
      [['requests', true], ['error_rate', false], ['latency_ratio', false], ['drift', true], ['accuracy', true]],
    );
  });

  it('fails drift on a real shift: the statistic beyond the limit and the KS test significant', async () => {
    const log = new MemoryPredictionLog();
    const w = T0 + MIN;
    const canary = Array.from({ length: 30 }, (_, i) => rec(`c${i}`, w + i, { p: 0.6 + i / 100 }));
    const production = Array.from({ length: 30 }, (_, i) => rec(`p${i}`, w + 100 + i, { ...prod, p: 0.2 + i / 100 }));
    await log.append([...canary, ...production]);
    const result = await analysis(log).analyze({ model: 'churn', rollout: rollout({ maxDrift: 0.5 }), production: 1, now: T0 + 2 * MIN });
    const drift = result.checks.find((c) => c.name === 'drift')!;
    assert.equal(drift.value, 1);
    assert.ok(drift.baseline !== null && drift.baseline < 1e-10, `p = ${drift.baseline}`);
    assert.equal(drift.passed, false);
    assert.equal(result.passed, false);
  });

  it('waits (passed null) while the canary has fewer than min_requests, computing nothing else', async () => {
    const log = new MemoryPredictionLog();
    await window(log, 2);
    const result = await analysis(log).analyze({ model: 'churn', rollout: rollout(), production: 1, now: T0 + 2 * MIN });
    assert.deepEqual(result, { at: T0 + 2 * MIN, passed: null, checks: [{ name: 'requests', value: 3, baseline: 5, limit: 4, passed: false }] });
  });

  it('checks accuracy where labels arrived: the canary may fall at most max_accuracy_drop below production', async () => {
    const log = new MemoryPredictionLog();
    await window(log);
    // Every answer says `true`; the canary's labels make it right 3 times of 4, production's 5 of 5.
    const labels = [
      ['c0', true],
      ['c1', true],
      ['c2', false],
      ['c3', true],
      ['f', true],
      ['p0', true],
      ['p1', true],
      ['p2', true],
      ['p3', true],
    ] as const;
    await log.addFeedback(labels.map(([id, label]) => ({ id, label, at: T0 + 2 * MIN })));
    const a = analysis(log);
    const input = { model: 'churn', production: 1, now: T0 + 2 * MIN };
    const dropped = await a.analyze({ ...input, rollout: rollout() });
    assert.deepEqual(dropped.checks[4], { name: 'accuracy', value: 0.75, baseline: 1, limit: 0.05, passed: false });
    assert.equal(dropped.passed, false);
    const tolerant = await a.analyze({ ...input, rollout: rollout({ maxAccuracyDrop: 0.25 }) });
    assert.deepEqual(tolerant.checks[4], { name: 'accuracy', value: 0.75, baseline: 1, limit: 0.25, passed: true });
    // Fewer labelled rows than min_requests on a side: skipped.
    const few = await a.analyze({ ...input, rollout: rollout({ minRequests: 5 }) });
    assert.deepEqual(few.checks[4], { name: 'accuracy', value: null, baseline: null, limit: 0.05, passed: true });
  });

  it('takes production over the whole rollout when it served too few in the window (the 100% step)', async () => {
    const log = new MemoryPredictionLog();
    const w = T0 + MIN;
    await log.append([
      ...[0.1, 0.2, 0.3, 0.4].map((p, i) => rec(`c${i}`, w + i, { p, latencyMs: 3 })),
      // Production's traffic before this step: one failure of eight.
      ...[0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3].map((p, i) => rec(`p${i}`, T0 + i, { ...prod, p, latencyMs: 2 })),
      rec('p-failed', T0 + 10, { ...prod, ...failedCall, latencyMs: 2 }),
      rec('before-rollout', T0 - 1, { ...prod, latencyMs: 100 }),
    ]);
    const r = { ...rollout(), step: 2 };
    const result = await analysis(log).analyze({ model: 'churn', rollout: r, production: 1, now: T0 + 2 * MIN });
    assert.deepEqual(result.checks.slice(0, 4), [
      { name: 'requests', value: 4, baseline: 0, limit: 4, passed: true },
      { name: 'error_rate', value: 0, baseline: 0.125, limit: 0.3, passed: true },
      { name: 'latency_ratio', value: 1.5, baseline: 2, limit: 1.5, passed: true },
      // [0.1, 0.2, 0.3, 0.4] against [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4]: at 0.3, 6/7 - 3/4 = 3/28 (the test gives the
      // statistic as the lattice point of its exact p-value, as SciPy does).
      { name: 'drift', value: 3 / 28, baseline: ks2samp([0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4]).pvalue, limit: 0.6, passed: true },
    ]);
  });
});
